using LoraTrainer.CommandLine;
using LoraTrainer.Dashboard.Viewers;
using LoraTrainer.Testing.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Dashboard.Tests;

/// <summary>Who is asking, and what they may see, against the API stand-in's TokenReview and SubjectAccessReview.</summary>
public sealed class ViewerTests
{
    [Fact]
    public async Task IdentifyAsync_WithTokenReview_KnowsAValidTokensUser_AndRefusesAnyOtherToken()
    {
        await using var kube = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { Users = new Dictionary<string, string> { ["t0ken"] = "carol" } },
            TestContext.Current.CancellationToken);
        using var client = kube.CreateClient();
        using var cache = new MemoryCache(new MemoryCacheOptions());
        var identity = new ViewerIdentity(client, cache, Options.Create(new DashboardOptions { Authentication = DashboardAuthentication.TokenReview }), NullLogger<ViewerIdentity>.Instance);

        var carol = await identity.IdentifyAsync(Request("Bearer t0ken"));
        var stranger = await identity.IdentifyAsync(Request("Bearer guessed"));
        var nobody = await identity.IdentifyAsync(Request(""));

        Assert.Equal("carol", carol?.User);
        Assert.Contains("system:authenticated", carol!.Groups);
        Assert.Null(stranger);
        Assert.Null(nobody);
    }

    [Fact]
    public async Task MayViewAsync_AsksSubjectAccessReview_ForGetTrainingRunsInTheNamespace_AsTheUserOrTheirGroup()
    {
        await using var kube = await FakeKubeApiServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        kube.Allow("alice", "team-a");
        kube.Allow("ml-team", "team-b");
        using var client = kube.CreateClient();
        using var cache = new MemoryCache(new MemoryCacheOptions());
        var access = new AccessReview(client, cache, Options.Create(new DashboardOptions()));
        var alice = new Viewer("alice", []);
        var dana = new Viewer("dana", ["ml-team"]);
        var cancellation = TestContext.Current.CancellationToken;

        Assert.True(await access.MayViewAsync(alice, "team-a", cancellation));
        Assert.False(await access.MayViewAsync(alice, "team-b", cancellation));
        Assert.True(await access.MayViewAsync(dana, "team-b", cancellation));
        Assert.False(await access.MayViewAsync(dana, "team-a", cancellation));
    }

    [Theory]
    [InlineData("ASPNETCORE_HTTP_PORTS", "8080")]
    [InlineData("ASPNETCORE_URLS", "http://0.0.0.0:5100")]
    public void Listen_WithoutAuthentication_RefusesAnAddressOtherThanLocalhost(string variable, string value)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [$"--{(variable == "ASPNETCORE_URLS" ? "urls" : "http_ports")}={value}"],
        });

        var failure = Assert.Throws<StartupFailure>(() => DashboardProgram.Listen(builder));

        Assert.Contains("listens only on localhost", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Listen_WithoutAuthentication_AndNothingConfigured_ListensOnLocalhost()
    {
        var builder = WebApplication.CreateSlimBuilder();

        DashboardProgram.Listen(builder);

        Assert.Equal($"http://localhost:{DashboardProgram.DefaultPort}", builder.WebHost.GetSetting("urls"));
    }

    private static DefaultHttpContext Request(string authorization)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = authorization;
        return context;
    }
}
