using LoraTrainer.Benchmarks.Measuring;
using LoraTrainer.Testing.World;

namespace LoraTrainer.Benchmarks.Fixtures;

/// <summary>
/// Which build of the operator and the receiver a benchmark starts: <c>jit</c>, the Release build copied next to the
/// benchmark (<c>dotnet &lt;program&gt;.dll</c>), or <c>aot</c>, the Native AOT executables published from this
/// checkout (<c>dotnet publish src/Operator -r linux-x64 -c Release</c>, the same for <c>src/Webhook</c>).
/// </summary>
/// <param name="Name">As the <c>--builds</c> option and the report name it.</param>
/// <param name="IsNative">Whether the programs are Native AOT executables rather than dlls run by <c>dotnet</c>.</param>
internal sealed record ProgramBuild(string Name, bool IsNative)
{
    /// <summary>The option that chooses the builds, for a benchmark's <see cref="IBenchmark.Options"/>.</summary>
    public const string Option = "builds";

    /// <summary>The line of a benchmark's usage that explains <c>--builds</c>.</summary>
    public const string Usage =
        "  --builds    jit, aot or jit,aot: the Release build (dotnet <program>.dll) and/or the Native AOT executables\n" +
        "              published with `dotnet publish src/Operator -r linux-x64 -c Release` (and src/Webhook), measured in turn";

    private static readonly NativeProgram NativeOperator = new("Operator", Components.OperatorProgram);
    private static readonly NativeProgram NativeReceiver = new("Webhook", Components.ReceiverProgram);

    /// <summary>The Release build next to the benchmark.</summary>
    public static ProgramBuild Jit { get; } = new("jit", IsNative: false);

    /// <summary>The Native AOT executables published in this checkout.</summary>
    public static ProgramBuild Aot { get; } = new("aot", IsNative: true);

    /// <summary>The operator's dll (JIT) or executable (Native AOT); an unpublished one is named with its publish command.</summary>
    public string Operator => IsNative ? Published(NativeOperator) : ComponentProcess.Program(Components.OperatorProgram);

    /// <summary>The receiver's dll (JIT) or executable (Native AOT); an unpublished one is named with its publish command.</summary>
    public string Receiver => IsNative ? Published(NativeReceiver) : ComponentProcess.Program(Components.ReceiverProgram);

    /// <summary>
    /// The builds <c>--builds</c> names, in its order; <paramref name="fallback"/> when it is not given. Each is checked
    /// for the receiver and, unless <paramref name="receiverOnly"/>, the operator, before anything is measured.
    /// </summary>
    public static IReadOnlyList<ProgramBuild> Parse(BenchmarkOptions options, string fallback = "jit", bool receiverOnly = false)
    {
        var names = (options.Text(Option) ?? fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0 || names.Distinct(StringComparer.Ordinal).Count() != names.Length)
        {
            throw new ArgumentException($"--{Option} must name jit, aot or both once each, got '{options.Text(Option)}'");
        }

        var builds = names.Select(name => name switch
        {
            "jit" => Jit,
            "aot" => Aot,
            _ => throw new ArgumentException($"--{Option} must name jit, aot or both, got '{name}'"),
        }).ToList();
        foreach (var build in builds)
        {
            _ = build.Receiver;
            _ = receiverOnly ? null : build.Operator;
        }

        return builds;
    }

    private static string Published(NativeProgram program) => program.Path ?? throw new ArgumentException(program.Missing);
}
