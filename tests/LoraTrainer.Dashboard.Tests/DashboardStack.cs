using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Trainer;
using LoraTrainer.Testing.World;
using Microsoft.Playwright;

namespace LoraTrainer.Dashboard.Tests;

/// <summary>
/// One stack, one dashboard and one Chromium for every browser test: a completed run with sample images in
/// <c>default</c>, a suspended run in <c>team-b</c>; <c>alice</c> may see <c>default</c>, <c>bob</c> only <c>team-b</c>.
/// </summary>
public sealed class DashboardStack : IAsyncLifetime
{
    public const string OtherNamespace = "team-b";
    public const string Alice = "alice";
    public const string Bob = "bob";

    private IPlaywright? _playwright;

    /// <summary>Why the browser tests cannot run here, or null.</summary>
    public string? Missing { get; private set; }

    internal TestWorld World { get; private set; } = null!;
    internal DashboardHost Dashboard { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots go: TestResults/dashboard at the repository root, which CI keeps.</summary>
    public static string Artifacts { get; } = RepositoryRoot.Combine("TestResults", "dashboard");

    public async ValueTask InitializeAsync()
    {
        var chromium = Chromium.Find();
        var missing = Prerequisites.Missing().ToList();
        if (chromium is null)
        {
            missing.Insert(0, "chromium is not installed");
        }

        if (missing.Count > 0)
        {
            Missing = string.Join("; ", missing);
            return;
        }

        World = await TestWorld.StartAsync([TestWorld.Offer(701, machine: 71), TestWorld.Offer(702, machine: 72)], CancellationToken.None);
        // The first run finishes at once; the second trains slowly enough (about 2 s an epoch) that a page sees its epochs arrive.
        World.Agents.Trainer = launch => launch == 1
            ? new FakeTrainerSettings { EpochLosses = [0.3, 0.2, 0.15, 0.18] }
            : new FakeTrainerSettings { EpochLosses = [0.3, 0.25, 0.2, 0.17], StepSeconds = 0.1 };
        World.Kube.Seed(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = OtherNamespace } });
        World.Kube.Allow(Alice, World.Namespace);
        World.Kube.Allow(Bob, OtherNamespace);

        await World.ApplyAsync(Manifests.Sampled);
        await World.Kubectl.ApplyAsync(Manifests.Suspended, OtherNamespace);
        await World.WaitForPhaseAsync("sampled", TrainingPhase.Completed, seconds: 60);

        Dashboard = new DashboardHost(World.Kube, World.S3Proxy.BaseUrl);
        await Dashboard.StartAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true });
        Directory.CreateDirectory(Artifacts);
    }

    /// <summary>A browser context whose requests come from <paramref name="user"/>, as through an authenticating proxy.</summary>
    public Task<IBrowserContext> AsAsync(string user) => Browser.NewContextAsync(new()
    {
        BaseURL = Dashboard.BaseUrl.ToString(),
        ExtraHTTPHeaders = new Dictionary<string, string> { ["X-Remote-User"] = user },
        ViewportSize = new() { Width = 1280, Height = 900 },
    });

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Dashboard is not null)
        {
            await Dashboard.DisposeAsync();
        }

        if (World is not null)
        {
            await World.DisposeAsync();
        }
    }

    /// <summary>The runs the stack trains.</summary>
    public static class Manifests
    {
        /// <summary>Four epochs, every one kept, two prompts sampled at each epoch and before training.</summary>
        public static string Sampled { get; } = Samples.Sampled();

        /// <summary>A run held in pending, in the other namespace.</summary>
        public static string Suspended { get; } = Samples.Read("trainingrun-minimal.yaml")
            .Replace("name: minimal", "name: held", StringComparison.Ordinal).TrimEnd() + """

              runPolicy:
                suspend: true

            """;

        /// <summary>Four slow epochs.</summary>
        public static string Growing { get; } = Samples.Minimal("growing", deadline: "2m", epochs: 4);
    }
}

/// <summary>Finds Debian's chromium (or Chromium by another name) on the PATH.</summary>
internal static class Chromium
{
    public static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(folder => new[] { "chromium", "chromium-browser" }.Select(name => Path.Combine(folder, name)))
            .FirstOrDefault(File.Exists);
}
