using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Dashboard.Files;
using LoraTrainer.Dashboard.Runs;
using LoraTrainer.Dashboard.Viewers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LoraTrainer.Dashboard;

/// <summary>The pages, their JSON, the live stream and the file redirects. Every answer is for the viewer the gate found.</summary>
internal static class DashboardEndpoints
{
    /// <summary>Maps every endpoint behind the viewer gate.</summary>
    public static WebApplication MapDashboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/healthz", () => TypedResults.Text("ok"));
        app.UseViewerGate();
        app.MapGet("/", () => Asset("runs.html"));
        app.MapGet("/assets/{file}", (string file) => Asset(file));
        app.MapGet("/runs/{ns}/{name}", async Task<IResult> (string ns, string name, HttpContext context, AccessReview access) =>
            await access.MayViewAsync(context.Viewer(), ns, context.RequestAborted) ? Asset("run.html") : Forbidden());

        var api = app.MapGroup("/api");
        api.MapGet("/runs", ListAsync);
        api.MapGet("/runs/{ns}/{name}", DetailAsync);
        api.MapGet("/stream", Stream);

        var files = app.MapGroup("/runs/{ns}/{name}");
        files.MapGet("/samples/{epoch:int}/{prompt:int}", (string ns, string name, int epoch, int prompt, HttpContext context, AccessReview access, RunView view, RunFiles runFiles) =>
            RedirectAsync(ns, name, context, access, view, run => runFiles.SampleAsync(run, epoch, prompt)));
        files.MapGet("/files/lora", (string ns, string name, HttpContext context, AccessReview access, RunView view, RunFiles runFiles) =>
            RedirectAsync(ns, name, context, access, view, run => runFiles.LoraAsync(run, null)));
        files.MapGet("/files/{epoch:int}", (string ns, string name, int epoch, HttpContext context, AccessReview access, RunView view, RunFiles runFiles) =>
            RedirectAsync(ns, name, context, access, view, run => runFiles.LoraAsync(run, epoch)));
        return app;
    }

    private static async Task<Ok<IReadOnlyList<RunRow>>> ListAsync(string? @namespace, string? phase, HttpContext context, AccessReview access, RunView view)
    {
        await view.Synced.WaitAsync(context.RequestAborted);
        var runs = view.Runs
            .Where(r => string.IsNullOrEmpty(@namespace) || r.Metadata.NamespaceProperty == @namespace)
            .Where(r => string.IsNullOrEmpty(phase) || RunPresenter.Phase(r.Status?.Phase ?? TrainingPhase.Pending) == phase)
            .ToList();
        var visible = await access.VisibleAsync(context.Viewer(), runs.Select(r => r.Metadata.NamespaceProperty), context.RequestAborted);
        IReadOnlyList<RunRow> rows = [.. runs.Where(r => visible.Contains(r.Metadata.NamespaceProperty))
            .OrderBy(r => r.Metadata.NamespaceProperty, StringComparer.Ordinal).ThenBy(r => r.Metadata.Name, StringComparer.Ordinal)
            .Select(RunPresenter.Row)];
        return TypedResults.Ok(rows);
    }

    private static async Task<Results<Ok<RunDetail>, NotFound, StatusCodeHttpResult>> DetailAsync(string ns, string name, HttpContext context, AccessReview access, RunView view, RunFiles files)
    {
        if (!await access.MayViewAsync(context.Viewer(), ns, context.RequestAborted))
        {
            return Forbidden();
        }

        await view.Synced.WaitAsync(context.RequestAborted);
        var key = new ResourceKey(ns, name);
        if (view.Run(key) is not { } run)
        {
            return TypedResults.NotFound();
        }

        var sizes = await files.SizesAsync(run, context.RequestAborted);
        return TypedResults.Ok(RunPresenter.Detail(run, view.Events(key), sizes));
    }

    /// <summary>Server-sent events: one <c>change</c> per run (or run's Event) that changed in a namespace the viewer may see.</summary>
    private static ServerSentEventsResult<ResourceKey> Stream(HttpContext context, AccessReview access, RunView view) =>
        TypedResults.ServerSentEvents(Changes(context.Viewer(), access, view, context.RequestAborted), "change");

    private static async IAsyncEnumerable<ResourceKey> Changes(Viewer viewer, AccessReview access, RunView view, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var changes = Channel.CreateBounded<ResourceKey>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest });
        void OnChanged(ResourceKey key) => changes.Writer.TryWrite(key);
        view.Changed += OnChanged;
        try
        {
            await foreach (var key in changes.Reader.ReadAllAsync(cancellationToken))
            {
                if (key.Namespace is { } ns && await access.MayViewAsync(viewer, ns, cancellationToken))
                {
                    yield return key;
                }
            }
        }
        finally
        {
            view.Changed -= OnChanged;
        }
    }

    private static async Task<Results<RedirectHttpResult, NotFound, StatusCodeHttpResult>> RedirectAsync(string ns, string name, HttpContext context,
        AccessReview access, RunView view, Func<TrainingRun, Task<Uri?>> presign)
    {
        if (!await access.MayViewAsync(context.Viewer(), ns, context.RequestAborted))
        {
            return Forbidden();
        }

        // A presigned URL must not be cached by the browser or a proxy beyond its short life.
        context.Response.Headers.CacheControl = "no-store";
        return view.Run(new ResourceKey(ns, name)) is { } run && await presign(run) is { } url
            ? TypedResults.Redirect(url.AbsoluteUri)
            : TypedResults.NotFound();
    }

    private static StatusCodeHttpResult Forbidden() => TypedResults.StatusCode(StatusCodes.Status403Forbidden);

    private static IResult Asset(string file)
    {
        var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("assets/" + file);
        if (stream is null)
        {
            return TypedResults.NotFound();
        }

        var type = Path.GetExtension(file) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => "application/octet-stream",
        };
        return TypedResults.Stream(stream, type);
    }
}
