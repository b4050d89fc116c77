using System.Buffers.Binary;
using System.Text;

namespace LoraTrainer.Agent.Training.TensorBoard;

/// <summary>One scalar from a TensorBoard event: its tag, step and value.</summary>
internal sealed record Scalar(string Tag, long Step, double Value);

/// <summary>
/// Decodes the few fields of TensorBoard's <c>Event</c> protobuf a scalar needs: <c>step</c> (2) and
/// <c>summary</c> (5) → <c>value</c> (1) → <c>tag</c> (1), <c>simple_value</c> (2, float). Everything else is skipped.
/// </summary>
internal static class ScalarEvent
{
    /// <summary>The scalars in one serialized <c>Event</c>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed protobuf message.</exception>
    public static IReadOnlyList<Scalar> Decode(ReadOnlySpan<byte> message)
    {
        long step = 0;
        var values = new List<(string Tag, double Value)>();
        var reader = new ProtoReader(message);
        while (reader.Next(out var field, out var wire))
        {
            if (field == 2 && wire == 0)
            {
                step = (long)reader.Varint();
            }
            else if (field == 5 && wire == 2)
            {
                ReadSummary(reader.Bytes(), values);
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return values.Select(v => new Scalar(v.Tag, step, v.Value)).ToList();
    }

    private static void ReadSummary(ReadOnlySpan<byte> summary, List<(string, double)> values)
    {
        var reader = new ProtoReader(summary);
        while (reader.Next(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                ReadValue(reader.Bytes(), values);
            }
            else
            {
                reader.Skip(wire);
            }
        }
    }

    private static void ReadValue(ReadOnlySpan<byte> value, List<(string, double)> values)
    {
        string? tag = null;
        double? number = null;
        var reader = new ProtoReader(value);
        while (reader.Next(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                tag = Encoding.UTF8.GetString(reader.Bytes());
            }
            else if (field == 2 && wire == 5)
            {
                number = BinaryPrimitives.ReadSingleLittleEndian(reader.Fixed32());
            }
            else
            {
                reader.Skip(wire);
            }
        }

        if (tag is not null && number is not null)
        {
            values.Add((tag, number.Value));
        }
    }
}
