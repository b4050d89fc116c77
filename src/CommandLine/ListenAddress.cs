using Microsoft.Extensions.Configuration;

namespace LoraTrainer.CommandLine;

/// <summary>Where a web program listens when nothing configures it, so two of them can run on one machine.</summary>
public static class ListenAddress
{
    /// <summary>How <c>--help</c> lists the settings that choose the address.</summary>
    public static IReadOnlyList<Setting> Settings(int defaultPort) =>
    [
        new("ASPNETCORE_HTTP_PORTS", $"port(s) to listen on, every interface (default: localhost:{defaultPort} only)"),
        new("ASPNETCORE_URLS", "URL(s) to listen on instead, e.g. http://localhost:8080"),
    ];

    /// <summary>
    /// <c>http://localhost:<paramref name="defaultPort"/></c>, or null when the configuration already says where to listen
    /// (<c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>, <c>ASPNETCORE_HTTPS_PORTS</c>, <c>--urls</c>, or Kestrel endpoints).
    /// </summary>
    public static string? Default(IConfiguration configuration, int defaultPort)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var configured = !string.IsNullOrWhiteSpace(configuration["urls"])
            || !string.IsNullOrWhiteSpace(configuration["http_ports"])
            || !string.IsNullOrWhiteSpace(configuration["https_ports"])
            || configuration.GetSection("Kestrel:Endpoints").Exists();
        return configured ? null : $"http://localhost:{defaultPort}";
    }
}
