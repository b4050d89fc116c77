using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LoraTrainer.Testing.Processes;

/// <summary>
/// One of the product's programs (<c>LoraTrainer.Operator.dll</c>, <c>LoraTrainer.Webhook.dll</c>) started as its own
/// process, <c>dotnet &lt;dll&gt;</c>, configured only through its environment as a Deployment configures it, and
/// listening on 127.0.0.1.
/// </summary>
public static class DotnetProgram
{
    /// <summary>
    /// How to start <c>dotnet <paramref name="dll"/></c> listening on <paramref name="baseUrl"/> in the Production
    /// environment, with <paramref name="environment"/> added and its output redirected (follow it with <see cref="OutputTail"/>).
    /// </summary>
    public static ProcessStartInfo StartInfo(string dll, Uri baseUrl, IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        ArgumentNullException.ThrowIfNull(environment);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_URLS"] = baseUrl.ToString().TrimEnd('/');
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }

    /// <summary>How to start a published native <paramref name="executable"/> as <see cref="StartInfo(string, Uri, IReadOnlyDictionary{string, string?})"/> starts a dll.</summary>
    public static ProcessStartInfo NativeStartInfo(string executable, Uri baseUrl, IReadOnlyDictionary<string, string?> environment)
    {
        var start = StartInfo(executable, baseUrl, environment);
        start.FileName = executable;
        start.ArgumentList.Clear();
        return start;
    }

    /// <summary>
    /// Polls <c>/readyz</c> on <paramref name="baseUrl"/> until it answers 200. Throws when <paramref name="process"/>
    /// exits first, or after <paramref name="timeout"/> (calling <paramref name="giveUp"/> first); the message carries
    /// <paramref name="output"/>.
    /// </summary>
    public static async Task WaitForReadyAsync(Process process, Uri baseUrl, string name, TimeSpan timeout, Func<string> output, Action giveUp,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(giveUp);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(5) };
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the {name} exited with {process.ExitCode} before it was ready:\n{output()}");
            }

            if (TimeProvider.System.GetElapsedTime(started) > timeout)
            {
                giveUp();
                throw new InvalidOperationException($"the {name} was not ready within {timeout.TotalSeconds:N0} s:\n{output()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, cancellationToken);
        }
    }

    /// <summary>A loopback URL on a port that was free a moment ago, for a program that binds it itself.</summary>
    public static Uri FreeLoopbackUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
    }
}
