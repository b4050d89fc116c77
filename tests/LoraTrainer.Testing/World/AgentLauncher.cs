using System.Collections.Concurrent;
using System.Diagnostics;
using LoraTrainer.Protocol;
using LoraTrainer.Testing.Gpu;
using LoraTrainer.Testing.Trainer;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Testing.World;

/// <summary>
/// Plays the GPU container: when a simulated instance reaches running, starts the real <c>lora-agent</c> as a
/// process with that instance's environment, the fake sd-scripts trainer and an <c>nvidia-smi</c> stand-in for the
/// offer's GPU on its PATH; destroying or pausing the instance kills it, and a resumed instance starts it again.
/// </summary>
internal sealed class AgentLauncher(VastSimulator vast, string workRoot) : IAsyncDisposable
{
    private static readonly TimeSpan InstancePoll = TimeSpan.FromMilliseconds(200);
    private readonly ConcurrentDictionary<long, AgentProcess> _agents = new();
    private readonly ConcurrentQueue<AgentProcess> _started = new();
    private int _launches;

    /// <summary>Chooses the trainer's behaviour by launch number (1 for the first agent).</summary>
    public Func<int, FakeTrainerSettings> Trainer { get; set; } = _ => new FakeTrainerSettings();

    /// <summary>Settings added to the agent's environment by launch number (1 for the first agent), after the world's own.</summary>
    public Func<int, IReadOnlyDictionary<string, string>> Settings { get; set; } = _ => new Dictionary<string, string>();

    /// <summary>
    /// The agent executable to start: null (the default) runs the build's <c>lora-agent.dll</c> with <c>dotnet</c>; a path
    /// runs that program itself, e.g. the Native AOT agent (<see cref="NativePrograms.Agent"/>) as the GPU image ships it.
    /// </summary>
    public string? Executable { get; set; }

    /// <summary>The latest agent started on each instance, by instance id.</summary>
    public IReadOnlyDictionary<long, AgentProcess> Agents => _agents;

    /// <summary>Every agent started so far, in order: an instance resumed after a pause has one per start.</summary>
    public IReadOnlyList<AgentProcess> Started => [.. _started];

    /// <summary>Every epoch any agent's trainer trained, in order, across attempts (the fake's own ledger).</summary>
    public IReadOnlyList<int> TrainedEpochs => File.Exists(EpochLedger)
        ? [.. File.ReadAllLines(EpochLedger).Where(l => l.Length > 0).Select(l => int.Parse(l, System.Globalization.CultureInfo.InvariantCulture))]
        : [];

    private string EpochLedger => Path.Combine(workRoot, "trained-epochs.txt");

    /// <summary>The work folder of the agent on <paramref name="instanceId"/>.</summary>
    public string WorkDirectory(long instanceId) => Path.Combine(workRoot, $"instance-{instanceId}");

    /// <summary>The <see cref="VastSimulator.OnRunning"/> hook: runs the agent until it exits or its instance is destroyed.</summary>
    public async Task RunAsync(VastRunningInstance instance, CancellationToken cancellationToken)
    {
        var launch = Interlocked.Increment(ref _launches);
        var start = new ProcessStartInfo(Executable ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Executable is null)
        {
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lora-agent.dll"));
        }

        start.Environment.Remove(AgentEnvironment.RunUrl);
        start.Environment.Remove(AgentEnvironment.RunToken);
        foreach (var (name, value) in instance.Environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["Agent__WorkDirectory"] = WorkDirectory(instance.InstanceId);
        start.Environment["Agent__TrainerCommand"] = FakeSdScripts.CommandTemplate(Trainer(launch));
        start.Environment["FAKE_SD_SCRIPTS_EPOCH_LEDGER"] = EpochLedger;
        // The agent asks nvidia-smi for the GPU as it does on a real host, and finds the stand-in first.
        var bin = FakeNvidiaSmi.Install(Path.Combine(workRoot, $"instance-{instance.InstanceId}-bin"), FakeGpu.Of(instance.Offer));
        start.Environment["PATH"] = bin + Path.PathSeparator + (Environment.GetEnvironmentVariable("PATH") ?? "");
        start.Environment["Agent__RetryBaseDelay"] = "00:00:00.100";
        start.Environment["Agent__RetryMaxDelay"] = "00:00:00.500";
        start.Environment["Agent__ConfigTimeout"] = "00:00:30";
        start.Environment["Agent__DeliveryTimeout"] = "00:00:30";
        // The container's Vast is the simulator: a self-destruct destroys the simulated instance, never a real one.
        start.Environment["Agent__VastBaseUrl"] = vast.BaseUrl.ToString();
        // The container log a failure is read from: warnings, and the trainer's own lines, one per line.
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__LoraTrainer.Agent.Training.TrainerProcess"] = "Information";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        foreach (var (name, value) in Settings(launch))
        {
            start.Environment[name] = value;
        }

        var agent = new AgentProcess(instance.InstanceId, launch, Process.Start(start) ?? throw new InvalidOperationException("lora-agent did not start"));
        _agents[instance.InstanceId] = agent;
        _started.Enqueue(agent);
        try
        {
            while (!agent.Process.HasExited)
            {
                if (vast.Instance(instance.InstanceId) is not { DestroyedAt: null, ActualStatus: not "stopped" })
                {
                    // A destroyed instance takes its container with it; a paused one stops it and keeps its disk (the
                    // work directory), where the agent starts again when the instance resumes.
                    agent.Kill();
                    break;
                }

                try
                {
                    await agent.Process.WaitForExitAsync(cancellationToken).WaitAsync(InstancePoll, cancellationToken);
                }
                catch (TimeoutException)
                {
                }
            }

            if (agent.Process.HasExited && !agent.Killed && vast.Instance(instance.InstanceId) is { DestroyedAt: null, ActualStatus: "running", CurState: "running" })
            {
                // The agent is the container's process: when it ends by itself (not killed with its host, nor while
                // Vast is stopping the container), the container stops and Vast reports the instance exited, its
                // disk kept and billed, until destroyed.
                vast.SetStatus(instance.InstanceId, "exited", $"container exited with code {agent.Process.ExitCode}");
            }
        }
        finally
        {
            agent.Kill();
            await agent.Process.WaitForExitAsync(CancellationToken.None);
            await agent.DrainAsync();
        }
    }

    /// <summary>Kills the agent on <paramref name="instanceId"/> (and its trainer) as a crashed container would die.</summary>
    public void Kill(long instanceId) => _agents[instanceId].Kill();

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _started)
        {
            agent.Kill();
            await agent.Process.WaitForExitAsync(CancellationToken.None);
            agent.Process.Dispose();
        }

        if (Directory.Exists(workRoot))
        {
            Directory.Delete(workRoot, recursive: true);
        }
    }
}

/// <summary>One running (or finished) agent process, with its output kept for failure messages.</summary>
internal sealed class AgentProcess
{
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    public AgentProcess(long instanceId, int launch, Process process)
    {
        InstanceId = instanceId;
        Launch = launch;
        Process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public long InstanceId { get; }

    public int Launch { get; }

    public Process Process { get; }

    public bool Killed { get; private set; }

    public int? ExitCode => Process.HasExited ? Process.ExitCode : null;

    /// <summary>What the agent printed (after it exited).</summary>
    public string Output { get; private set; } = "";

    public void Kill()
    {
        if (!Process.HasExited)
        {
            Killed = true;
            Process.Kill(entireProcessTree: true);
        }
    }

    public async Task DrainAsync() => Output = await _stdout + await _stderr;

    /// <summary>The last <paramref name="lines"/> lines the agent printed, once it has exited (as a container's log reads after it stopped).</summary>
    public async Task<IReadOnlyList<string>> LogTailAsync(int lines, CancellationToken cancellationToken)
    {
        var output = await _stdout.WaitAsync(cancellationToken) + await _stderr.WaitAsync(cancellationToken);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(lines).ToList();
    }
}
