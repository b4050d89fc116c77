using k8s;
using LoraTrainer.Cluster;
using LoraTrainer.CommandLine;
using LoraTrainer.Storage;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Dashboard;

/// <summary>What the dashboard's <c>--help</c> says, where it listens, and what it checks before it starts.</summary>
internal static class DashboardProgram
{
    /// <summary>The port when nothing else is configured: not the operator's (5080) nor the receiver's (5090).</summary>
    public const int DefaultPort = 5100;

    public static ProgramInfo Info { get; } = new("loratrainer-dashboard",
        "The LoraTrainer dashboard: every TrainingRun the viewer may see in a browser, with loss curves, sample images and downloads. Read-only.")
    {
        Usage = "usage: dotnet run --project src/Dashboard [-- --Key=value ...]   (in a container: dotnet LoraTrainer.Dashboard.dll)",
        Settings =
        [
            new("KUBECONFIG", $"the kubeconfig of the cluster, or {DashboardOptions.Section}:{nameof(DashboardOptions.Kubeconfig)} (default ~/.kube/config, else in-cluster)"),
            new($"{DashboardOptions.Section}:{nameof(DashboardOptions.Authentication)}",
                "None (localhost only, for kubectl port-forward), Proxy (user and groups from an authenticating proxy's headers) or TokenReview (a bearer token) (default None)"),
            .. ListenAddress.Settings(DefaultPort),
            ConsoleLogs.Setting,
        ],
        Options = [OptionsSection.Of<DashboardOptions>(DashboardOptions.Section), OptionsSection.Of<S3Options>(S3Options.SectionName).Without(nameof(S3Options.PresignGetExpiry), nameof(S3Options.PresignPutExpiry), nameof(S3Options.PartSize), nameof(S3Options.MaxPartsInFlight))],
        Notes = "The S3 key needs only read access to the output buckets: images and downloads are presigned GETs made on request.\n"
            + "docs/dashboard.md says how to reach it in each authentication mode.\n"
            + "Exit codes: 0 stopped, 2 cannot start (a setting is wrong, the kubeconfig is unusable, the port is taken).",
    };

    /// <summary>
    /// Listens on localhost:<see cref="DefaultPort"/> unless configured otherwise; without authentication, anything but
    /// a loopback address is refused, so no one else on the network sees the runs.
    /// </summary>
    public static void Listen(WebApplicationBuilder builder)
    {
        var configured = ListenAddress.Default(builder.Configuration, DefaultPort);
        if (configured is { } url)
        {
            builder.WebHost.UseUrls(url);
        }

        var mode = builder.Configuration[$"{DashboardOptions.Section}:{nameof(DashboardOptions.Authentication)}"];
        if ((string.IsNullOrWhiteSpace(mode) || mode.Trim().Equals(nameof(DashboardAuthentication.None), StringComparison.OrdinalIgnoreCase))
            && configured is null && !LoopbackOnly(builder.Configuration))
        {
            throw new StartupFailure($"{DashboardOptions.Section}:{nameof(DashboardOptions.Authentication)} is None, so the dashboard listens only on localhost: "
                + "set ASPNETCORE_URLS=http://localhost:<port>, or put it behind an authenticating proxy (Proxy) or bearer tokens (TokenReview).");
        }
    }

    /// <summary>Checks settings and kubeconfig, so either fails as one line.</summary>
    public static void ValidateAtStart(IServiceProvider services)
    {
        services.GetService<IStartupValidator>()?.Validate();
        try
        {
            _ = services.GetRequiredService<IKubernetes>();
        }
        catch (Exception ex) when (KubernetesConnection.ConfigurationProblem(ex) is { } problem)
        {
            throw new StartupFailure(problem);
        }
    }

    private static bool LoopbackOnly(IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(configuration["http_ports"]) || !string.IsNullOrWhiteSpace(configuration["https_ports"]))
        {
            return false;
        }

        var urls = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return urls.All(u => Uri.TryCreate(u.Replace("://+", "://any", StringComparison.Ordinal).Replace("://*", "://any", StringComparison.Ordinal), UriKind.Absolute, out var uri)
            && (uri.IsLoopback || uri.Host == "localhost"));
    }
}
