using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Testing.Hosting;

/// <summary>The Kestrel set-up every fake of the kit shares: 127.0.0.1 only, a given or free port, no logging of its own.</summary>
internal static class LoopbackHost
{
    /// <summary>A slim builder listening on 127.0.0.1:<paramref name="port"/> (0 lets the OS pick a free port).</summary>
    /// <remarks>
    /// The host leaves Ctrl+C and SIGTERM to whoever embeds it (a test host, or a command that stops it itself),
    /// and its content root is the kit's folder, not the working directory a command happens to run in.
    /// </remarks>
    public static WebApplicationBuilder CreateBuilder(int port)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(LoopbackHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port);
            kestrel.AddServerHeader = false;
        });
        return builder;
    }

    /// <summary>Starts <paramref name="app"/> and returns where it listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    /// <remarks>An app that cannot start (its port is taken) is disposed before the error is rethrown.</remarks>
    public static async Task<Uri> StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new Uri($"http://127.0.0.1:{new Uri(address).Port.ToString(CultureInfo.InvariantCulture)}/");
    }
}
