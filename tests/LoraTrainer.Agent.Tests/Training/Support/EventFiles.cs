using System.Buffers.Binary;
using System.Text;
using LoraTrainer.Agent.Training.TensorBoard;

namespace LoraTrainer.Agent.Tests.Training.Support;

/// <summary>A scalar to write.</summary>
internal sealed record TestScalar(string Tag, long Step, float Value);

/// <summary>Writes TensorBoard event files the way TensorBoard's writer does: TFRecord-framed Event protobufs.</summary>
internal static class EventFiles
{
    public static void Write(string path, params TestScalar[] scalars)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        file.Write(TfRecordReader.Frame([.. Field(1, 1, BitConverter.GetBytes(1.7e9)), .. LengthDelimited(3, Encoding.ASCII.GetBytes("brain.Event:2"))]));
        foreach (var scalar in scalars)
        {
            var simple = new byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(simple, scalar.Value);
            var value = LengthDelimited(1, Encoding.UTF8.GetBytes(scalar.Tag)).Concat(Field(2, 5, simple)).ToArray();
            var summary = LengthDelimited(1, value);
            byte[] evt = [.. Field(1, 1, BitConverter.GetBytes(1.7e9)), .. Field(2, 0, Varint((ulong)scalar.Step)), .. LengthDelimited(5, summary)];
            file.Write(TfRecordReader.Frame(evt));
        }
    }

    private static byte[] Field(int number, int wire, byte[] payload) => [.. Varint((ulong)((number << 3) | wire)), .. payload];

    private static byte[] LengthDelimited(int number, byte[] payload) => Field(number, 2, [.. Varint((ulong)payload.Length), .. payload]);

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value != 0 ? (byte)(b | 0x80) : b);
        }
        while (value != 0);
        return [.. bytes];
    }
}
