namespace LoraTrainer.Agent.Training.TensorBoard;

/// <summary>A minimal protobuf wire-format reader: tags, varints, fixed 32/64-bit fields and length-delimited bytes.</summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _offset;

    /// <summary>Reads the next field's number and wire type; false at the end.</summary>
    public bool Next(out int field, out int wire)
    {
        if (_offset >= _data.Length)
        {
            field = wire = 0;
            return false;
        }

        var key = Varint();
        field = (int)(key >> 3);
        wire = (int)(key & 7);
        return true;
    }

    /// <summary>A base-128 varint.</summary>
    public ulong Varint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Take(1)[0];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new InvalidDataException("Malformed protobuf varint.");
    }

    /// <summary>A length-delimited field.</summary>
    public ReadOnlySpan<byte> Bytes() => Take(checked((int)Varint()));

    /// <summary>A fixed 32-bit field.</summary>
    public ReadOnlySpan<byte> Fixed32() => Take(4);

    /// <summary>Skips a field of wire type <paramref name="wire"/>.</summary>
    public void Skip(int wire)
    {
        switch (wire)
        {
            case 0: Varint(); break;
            case 1: Take(8); break;
            case 2: Bytes(); break;
            case 5: Take(4); break;
            default: throw new InvalidDataException($"Unsupported protobuf wire type {wire}.");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || _offset + count > _data.Length)
        {
            throw new InvalidDataException("Truncated protobuf message.");
        }

        var slice = _data.Slice(_offset, count);
        _offset += count;
        return slice;
    }
}
