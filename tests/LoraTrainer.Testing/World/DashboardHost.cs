using k8s;
using LoraTrainer.Dashboard;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.S3;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Testing.World;

/// <summary>
/// The real dashboard on 127.0.0.1, reading the API fake and the S3 server with the settings a Deployment gives it.
/// With <paramref name="authentication"/> <c>Proxy</c> (the default) a browser names its user in <c>X-Remote-User</c>, as
/// an authenticating proxy in front would.
/// </summary>
internal sealed class DashboardHost(FakeKubeApiServer kube, Uri s3, string authentication = "Proxy") : IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>Where a browser reaches it.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["Dashboard:Authentication"] = authentication;
        builder.Configuration["S3:Provider"] = "Other";
        builder.Configuration["S3:ServiceUrl"] = s3.ToString();
        builder.Configuration["S3:Region"] = S3rverServer.Region;
        builder.Configuration["S3:ChecksumMode"] = "WHEN_REQUIRED";
        builder.Configuration["S3:AccessKeyId"] = S3rverServer.AccessKeyId;
        builder.Configuration["S3:SecretAccessKey"] = S3rverServer.SecretAccessKey;
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IKubernetes>(_ => kube.CreateClient());
        builder.Services.AddDashboard();
        _app = builder.Build();
        _app.MapDashboard();
        await _app.StartAsync(cancellationToken);
        BaseUrl = new Uri(_app.Urls.First());
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }
}
