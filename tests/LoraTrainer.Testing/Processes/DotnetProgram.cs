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

    /// <summary>A loopback URL on a port that was free a moment ago, for a program that binds it itself.</summary>
    public static Uri FreeLoopbackUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
    }
}
