using System.Diagnostics;
using System.Net;
using LoraTrainer.Benchmarks.Measuring;
using LoraTrainer.Testing.Processes;

namespace LoraTrainer.Benchmarks.Fixtures;

/// <summary>
/// One of the product's programs (<c>LoraTrainer.Operator.dll</c>, <c>LoraTrainer.Webhook.dll</c>) running as its own
/// process, <c>dotnet &lt;dll&gt;</c>, configured only through environment variables as a Deployment configures it,
/// listening on 127.0.0.1. Its memory is the kernel's account of that process alone.
/// </summary>
/// <remarks>
/// The programs are the Release builds copied next to this benchmark (it references both projects). Their output is
/// drained all the time, or a full pipe would stall their logging; the last lines are kept for error messages.
/// Disposing kills the process, so nothing outlives the benchmark, Ctrl+C included.
/// </remarks>
internal sealed class ComponentProcess : IAsyncDisposable
{
    private const int KeptLines = 40;
    private static readonly TimeProvider Time = TimeProvider.System;
    private readonly Process _process;
    private readonly OutputTail _tail = new(KeptLines);
    private readonly HttpClient _http;

    private ComponentProcess(string name, Process process, Uri baseUrl, long startedAt, DateTimeOffset startedAtUtc)
    {
        StartedAtUtc = startedAtUtc;
        Name = name;
        _process = process;
        BaseUrl = baseUrl;
        StartedAt = startedAt;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        _tail.Follow(process);
    }

    /// <summary>What it is, in messages: <c>operator</c> or <c>receiver</c>.</summary>
    public string Name { get; }

    public int Id => _process.Id;

    /// <summary>Where it listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The <see cref="TimeProvider.GetTimestamp"/> taken just before the process was started.</summary>
    public long StartedAt { get; }

    /// <summary>The wall-clock time taken just before the process was started, to compare with the fakes' logs.</summary>
    public DateTimeOffset StartedAtUtc { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The program's dll in this benchmark's output folder.</summary>
    public static string Program(string assemblyName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll");
        return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: build the benchmark (it references the program's project)");
    }

    /// <summary>"server" or "workstation": the collector <paramref name="dll"/> runs with, from its runtimeconfig.json unless DOTNET_gcServer overrides it.</summary>
    public static string GarbageCollector(string dll)
    {
        var overridden = Environment.GetEnvironmentVariable("DOTNET_gcServer");
        var server = overridden is not null
            ? overridden == "1"
            : System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(dll, ".runtimeconfig.json")))?["runtimeOptions"]?["configProperties"]?["System.GC.Server"]?.GetValue<bool>() == true;
        return server ? "server" : "workstation";
    }

    /// <summary>
    /// Starts <c>dotnet <paramref name="dll"/></c> (or, for a path that is no dll, that published native program) on a
    /// free loopback port with exactly <paramref name="environment"/> added.
    /// </summary>
    public static ComponentProcess Start(string name, string dll, IReadOnlyDictionary<string, string?> environment)
    {
        var baseUrl = DotnetProgram.FreeLoopbackUrl();
        var start = dll.EndsWith(".dll", StringComparison.Ordinal)
            ? DotnetProgram.StartInfo(dll, baseUrl, environment)
            : DotnetProgram.NativeStartInfo(dll, baseUrl, environment);

        var startedAtUtc = Time.GetUtcNow();
        var startedAt = Time.GetTimestamp();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start the {name}");
        return new ComponentProcess(name, process, baseUrl, startedAt, startedAtUtc);
    }

    /// <summary>The time since the process was started.</summary>
    public TimeSpan Elapsed => Time.GetElapsedTime(StartedAt);

    /// <summary>Polls <paramref name="path"/> every few milliseconds until it answers 200; returns the time from start.</summary>
    public async Task<TimeSpan> WaitForOkAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        while (true)
        {
            ThrowIfExited();
            if (Elapsed > timeout)
            {
                throw new TimeoutException($"the {Name} did not answer {path} with 200 within {timeout.TotalSeconds:N0} s:\n{Output()}");
            }

            try
            {
                using var response = await _http.GetAsync(path, cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return Elapsed;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(5), Time, cancellationToken);
        }
    }

    /// <summary>Reads <c>/metrics</c> (Prometheus text format).</summary>
    public async Task<PrometheusScrape> ScrapeAsync(CancellationToken cancellationToken)
    {
        ThrowIfExited();
        return PrometheusScrape.Parse(await _http.GetStringAsync("/metrics", cancellationToken));
    }

    /// <summary>The resident set now and at its highest (VmRSS and VmHWM), from the kernel.</summary>
    public ProcessMemory Memory()
    {
        ThrowIfExited();
        return ProcessMemory.Read(_process.Id);
    }

    /// <summary>The CPU time (user and system) the process has used so far.</summary>
    public TimeSpan Cpu()
    {
        ThrowIfExited();
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>The last lines the program printed.</summary>
    public string Output() => _tail.Text();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Already gone, or the kernel is slow to reap it; either way it no longer runs our code.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void ThrowIfExited()
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"the {Name} exited with {_process.ExitCode}:\n{Output()}");
        }
    }
}
