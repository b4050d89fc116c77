using System.Security.Cryptography;
using Deque.AxeCore.Playwright;
using LoraTrainer.Api;
using LoraTrainer.Testing.World;
using Microsoft.Playwright;

namespace LoraTrainer.Dashboard.Tests;

/// <summary>The dashboard in a real headless Chromium, against the whole stack.</summary>
public sealed class DashboardBrowserTests(DashboardStack stack) : IClassFixture<DashboardStack>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RunsPage_ListsTheStacksRuns_WithTheWordsKubectlUses_AndPassesAnAccessibilityScan()
    {
        SkipWithoutBrowser();
        await using var context = await stack.AsAsync(DashboardStack.Alice);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        var row = page.Locator("tr[data-run='default/sampled']");
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = (float)Patience.TotalMilliseconds });

        await Assertions.Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("completed");
        await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("100");
        await Assertions.Expect(row.Locator("td").Nth(6)).Not.ToBeEmptyAsync();
        await SaveScreenshotAsync(page, "runs-page.png");
        await AssertAccessibleAsync(page);

        await page.SetViewportSizeAsync(375, 740);
        await Assertions.Expect(row.Locator("a")).ToBeInViewportAsync();
    }

    [Fact]
    public async Task RunPage_ShowsRealSamplePngs_AndADownloadWhoseBytesMatchTheStatusSha256_WithoutPresignedUrlsInThePage()
    {
        SkipWithoutBrowser();
        var run = stack.World.Run("sampled")!;
        await using var context = await stack.AsAsync(DashboardStack.Alice);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/runs/default/sampled");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('.grid img')].filter(i => i.complete && i.naturalWidth > 0).length === 10",
            null, new() { Timeout = (float)Patience.TotalMilliseconds });
        await Assertions.Expect(page.Locator("#loss")).ToHaveAttributeAsync("data-points", "4");

        var image = await context.APIRequest.GetAsync(await page.Locator(".grid img").First.GetAttributeAsync("src") ?? "");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await image.BodyAsync())[..4]);

        var chosen = page.Locator("#downloads a").First;
        var download = await context.APIRequest.GetAsync(await chosen.GetAttributeAsync("href") ?? "");
        Assert.Equal(200, download.Status);
        Assert.Equal(run.Status!.Output!.Sha256, Convert.ToHexStringLower(SHA256.HashData(await download.BodyAsync())));
        await Assertions.Expect(page.Locator("#downloads")).ToContainTextAsync(run.Status.Output.Sha256!);
        await Assertions.Expect(page.Locator("#downloads tr")).ToHaveCountAsync(5);
        // Every kept epoch shows the SHA-256 its agent reported, and its file has it.
        await Assertions.Expect(page.Locator("#downloads")).Not.ToContainTextAsync("not recorded");
        foreach (var epoch in run.Status.Epochs.Where(e => e.Epoch > 0))
        {
            Assert.NotNull(epoch.Sha256);
            await Assertions.Expect(page.Locator("#downloads")).ToContainTextAsync(epoch.Sha256);
        }

        var second = await context.APIRequest.GetAsync($"/runs/default/sampled/files/2");
        Assert.Equal(run.Status.Epochs.Single(e => e.Epoch == 2).Sha256, Convert.ToHexStringLower(SHA256.HashData(await second.BodyAsync())));
        await Assertions.Expect(page.Locator("#commands")).ToContainTextAsync("kubectl lora download sampled -n default");

        var source = await page.ContentAsync();
        Assert.DoesNotContain("X-Amz-", source, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(stack.World.S3Proxy.BaseUrl.Authority, source, StringComparison.Ordinal);
        await SaveScreenshotAsync(page, "run-page.png");
        await AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task RunPage_LossChart_GainsAPoint_WhenAnEpochCompletes()
    {
        SkipWithoutBrowser();
        var cancellation = TestContext.Current.CancellationToken;
        await stack.World.ApplyAsync(DashboardStack.Manifests.Growing);
        await stack.World.WaitForAsync("growing", r => r.Status?.Epochs.Count(e => e.Loss is not null) >= 1, seconds: 60, cancellationToken: cancellation);
        await using var context = await stack.AsAsync(DashboardStack.Alice);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/runs/default/growing");
        await page.WaitForFunctionAsync("() => Number(document.getElementById('loss').dataset.points) >= 1", null, new() { Timeout = (float)Patience.TotalMilliseconds });
        var before = int.Parse((await page.Locator("#loss").GetAttributeAsync("data-points"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(before < 4, $"the run had finished all 4 epochs before the page opened ({before})");

        await page.WaitForFunctionAsync($"() => Number(document.getElementById('loss').dataset.points) > {before}", null,
            new() { Timeout = (float)Patience.TotalMilliseconds });
        await Assertions.Expect(page.Locator("#losses tr")).ToHaveCountAsync(before + 1);
    }

    [Fact]
    public async Task AViewerWithoutAccessToANamespace_SeesNoneOfItsRuns_AndItsUrlsAnswer403()
    {
        SkipWithoutBrowser();
        await using var context = await stack.AsAsync(DashboardStack.Bob);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator($"tr[data-run='{DashboardStack.OtherNamespace}/held']")).ToBeVisibleAsync(new() { Timeout = (float)Patience.TotalMilliseconds });
        await Assertions.Expect(page.Locator("tr[data-run^='default/']")).ToHaveCountAsync(0);

        foreach (var url in new[] { "/runs/default/sampled", "/api/runs/default/sampled", "/runs/default/sampled/samples/1/0", "/runs/default/sampled/files/lora", "/runs/default/sampled/files/2", "/api/runs?namespace=default" })
        {
            var answer = await context.APIRequest.GetAsync(url, new() { MaxRedirects = 0 });
            if (url.Contains('?', StringComparison.Ordinal))
            {
                Assert.Equal("[]", await answer.TextAsync());
                continue;
            }

            Assert.True(answer.Status == 403, $"{url} answered {answer.Status}");
        }

        await using var anonymous = await stack.Browser.NewContextAsync(new() { BaseURL = stack.Dashboard.BaseUrl.ToString() });
        Assert.Equal(401, (await anonymous.APIRequest.GetAsync("/")).Status);
    }

    private void SkipWithoutBrowser() => Assert.SkipWhen(stack.Missing is not null, $"The browser tests need programs this machine lacks: {stack.Missing}");

    private static async Task SaveScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(DashboardStack.Artifacts, name);
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        TestContext.Current.TestOutputHelper?.WriteLine($"screenshot: {path}");
    }

    private static async Task AssertAccessibleAsync(IPage page)
    {
        var result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, "axe: " + string.Join("; ", serious.Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target))}")));
    }
}
