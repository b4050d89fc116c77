using LoraTrainer.Testing.World;

namespace LoraTrainer.Benchmarks.Fixtures;

/// <summary>Starts the operator and the receiver as their own processes against <see cref="BenchmarkWorld"/>, configured as the Helm chart configures them.</summary>
/// <remarks>
/// The operator gets <c>OperatorSettings.ForFakes</c> (every provider pointed at its fake, Vast pacing off because
/// the simulator does not rate-limit) minus the settings that only make tests quicker: the instance check interval,
/// the no-offer and Vast-trouble retry intervals and leader election fall back to the product's defaults (30 s,
/// 1 min, 1 min and 30 s, on), as in the chart. The log level is left to the programs (Information, the chart's
/// default), so <c>Logging__LogLevel__Default</c> or <c>DOTNET_gcServer</c> set before the benchmark reach both processes.
/// </remarks>
internal static class Components
{
    public const string OperatorProgram = "LoraTrainer.Operator";
    public const string ReceiverProgram = "LoraTrainer.Webhook";

    /// <summary>How long a process may take to answer its readiness probe.</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private static readonly Dictionary<string, string?> ChartDefaults = new(StringComparer.Ordinal)
    {
        ["Operator__InstanceCheckInterval"] = null,
        ["Operator__NoOfferRetryInterval"] = null,
        ["Operator__VastRefusalRetryInterval"] = null,
        ["Operator__VastOutageRetryInterval"] = null,
        ["Operator__LeaderElection__Enabled"] = null,
    };

    /// <summary>Which garbage collector each program runs with, for the report.</summary>
    public static string GarbageCollectors() =>
        $"operator: {ComponentProcess.GarbageCollector(ComponentProcess.Program(OperatorProgram))} GC, receiver: {ComponentProcess.GarbageCollector(ComponentProcess.Program(ReceiverProgram))} GC";

    /// <summary>
    /// Starts the receiver (its JIT build, or with <paramref name="native"/> the published Native AOT file);
    /// <paramref name="settings"/> are added to its environment (e.g. <c>Receiver__TokenCacheDuration</c>).
    /// </summary>
    public static ComponentProcess StartReceiver(TestWorld fakes, IReadOnlyDictionary<string, string?>? settings = null, bool native = false) =>
        ComponentProcess.Start("receiver", native ? NativePrograms.Receiver.Path ?? throw new InvalidOperationException(NativePrograms.Receiver.Missing) : ComponentProcess.Program(ReceiverProgram),
            fakes.ReceiverEnvironment(settings ?? new Dictionary<string, string?>()));

    /// <summary>Starts the operator, pointing agents at <paramref name="receiver"/>; <paramref name="settings"/> override its environment.</summary>
    public static ComponentProcess StartOperator(TestWorld fakes, Uri receiver, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var overrides = new Dictionary<string, string?>(ChartDefaults, StringComparer.Ordinal);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        return ComponentProcess.Start("operator", ComponentProcess.Program(OperatorProgram), fakes.OperatorEnvironment(receiver, overrides));
    }

    /// <summary>Starts a process with <paramref name="start"/> and waits for <c>/readyz</c>; a process that never gets ready is killed.</summary>
    public static async Task<ComponentProcess> StartReadyAsync(Func<ComponentProcess> start, CancellationToken cancellationToken)
    {
        var process = start();
        try
        {
            await process.WaitForOkAsync("/readyz", ReadyTimeout, cancellationToken);
            return process;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }
}
