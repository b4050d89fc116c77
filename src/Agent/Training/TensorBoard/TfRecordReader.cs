using System.Buffers.Binary;

namespace LoraTrainer.Agent.Training.TensorBoard;

/// <summary>
/// Reads TFRecord framing: <c>u64 length, u32 masked crc32c(length), payload, u32 masked crc32c(payload)</c>, little-endian.
/// A file being written has a partial last record; reading stops before it without error.
/// </summary>
internal static class TfRecordReader
{
    /// <summary>The payloads of the complete, CRC-checked records in <paramref name="data"/>, up to any damage.</summary>
    public static TfRecords Read(ReadOnlySpan<byte> data)
    {
        var records = new List<byte[]>();
        var offset = 0;
        while (data.Length - offset >= 12)
        {
            var header = data.Slice(offset, 8);
            var length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            if (BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(offset + 8, 4)) != Crc32C.Masked(header))
            {
                return new TfRecords(records, offset);
            }

            if (length > int.MaxValue || (ulong)(data.Length - offset - 16) < length)
            {
                break;
            }

            var payload = data.Slice(offset + 12, (int)length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(offset + 12 + (int)length, 4)) != Crc32C.Masked(payload))
            {
                return new TfRecords(records, offset);
            }

            records.Add(payload.ToArray());
            offset += 16 + (int)length;
        }

        return new TfRecords(records, null);
    }

    /// <summary>Frames <paramref name="payload"/> as one record (used to write test files and by tools).</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var record = new byte[16 + payload.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(record, (ulong)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), Crc32C.Masked(record.AsSpan(0, 8)));
        payload.CopyTo(record.AsSpan(12));
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(12 + payload.Length), Crc32C.Masked(payload));
        return record;
    }
}

/// <summary>The records read from a TFRecord file.</summary>
/// <param name="Records">Payloads of the complete records with good CRCs, in order.</param>
/// <param name="DamagedAt">The byte offset of the first record whose CRC does not match; null when none.</param>
internal sealed record TfRecords(IReadOnlyList<byte[]> Records, long? DamagedAt);
