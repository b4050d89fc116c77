using System.Buffers;
using System.Globalization;
using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Http;
using LoraTrainer.Testing.Kubernetes.Semantics;
using LoraTrainer.Testing.Kubernetes.Storage;
using LoraTrainer.Testing.Kubernetes.Tables;
using Microsoft.AspNetCore.Http;

namespace LoraTrainer.Testing.Kubernetes.Watch;

/// <summary>Serves a watch as chunked JSON lines, one event per line, flushed as they happen.</summary>
/// <remarks>
/// Headers go out at once (like kube-apiserver), so a client knows the watch is established only from the first
/// event. Without a resourceVersion (or with <c>0</c>) the current objects arrive first as ADDED; with one, the
/// changes after it are replayed from history, or an ERROR event with a 410 Status says it is too old. The stream
/// ends cleanly after <c>timeoutSeconds</c>, preceded by a BOOKMARK when bookmarks were asked for.
/// </remarks>
internal sealed class WatchStreamer(FakeCluster cluster, TimeSpan bookmarkInterval, TimeSpan defaultTimeout)
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    public async Task StreamAsync(HttpContext context, ResourceType type, WatchFilter filter, RequestOptions options)
    {
        var from = ParseRevision(options.ResourceVersion);
        var initialEvents = options.SendInitialEvents == true;
        if (initialEvents && (!options.AllowWatchBookmarks || options.ResourceVersionMatch != "NotOlderThan"))
        {
            throw KubeErrors.Invalid(type, "", [Validation.FieldError.Forbidden("sendInitialEvents",
                "sendInitialEvents requires setting allowWatchBookmarks to true and resourceVersionMatch to NotOlderThan")]);
        }

        var subscription = cluster.Watch(type, filter, initialEvents ? null : from);
        if (initialEvents)
        {
            cluster.Bookmark(subscription, type, initialEventsEnd: true);
        }

        var asTable = TableConverter.IsRequested(context.Request.Headers.Accept);
        var timeout = options.TimeoutSeconds is > 0 ? TimeSpan.FromSeconds(options.TimeoutSeconds.Value) : defaultTimeout;
        using var timedOut = new CancellationTokenSource(timeout, cluster.Time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, subscription.Dropped, timedOut.Token);
        await using var bookmarks = options.AllowWatchBookmarks
            ? cluster.Time.CreateTimer(_ => cluster.Bookmark(subscription, type), null, bookmarkInterval, bookmarkInterval)
            : null;
        try
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            context.Response.Headers.CacheControl = "no-cache, private";
            await context.Response.StartAsync(stop.Token);
            await context.Response.Body.FlushAsync(stop.Token);
            await PumpAsync(context, type, subscription, asTable, options.IncludeObject, stop.Token);
        }
        catch (OperationCanceledException) when (timedOut.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            if (options.AllowWatchBookmarks)
            {
                cluster.Bookmark(subscription, type);
            }

            await DrainAsync(context, type, subscription, asTable, options.IncludeObject);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client went away or the test kit dropped the watch: nothing more to send.
        }
        finally
        {
            cluster.Unwatch(subscription);
            if (subscription.AbortConnection)
            {
                context.Abort();
            }
        }
    }

    private static long? ParseRevision(string? resourceVersion) =>
        string.IsNullOrEmpty(resourceVersion) || resourceVersion == "0" ? null
        : long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var rv) ? rv
        : throw KubeErrors.BadRequest($"invalid resource version: {resourceVersion}");

    private async Task PumpAsync(HttpContext context, ResourceType type, WatchSubscription subscription, bool asTable, string includeObject, CancellationToken token)
    {
        var reader = subscription.Reader;
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (await reader.WaitToReadAsync(token))
        {
            var ends = false;
            while (!ends && reader.TryRead(out var message))
            {
                Append(buffer, type, message, asTable, includeObject);
                ends = message.EndsStream;
            }

            await context.Response.Body.WriteAsync(buffer.WrittenMemory, token);
            await context.Response.Body.FlushAsync(token);
            buffer.Clear();
            if (ends)
            {
                return;
            }
        }
    }

    private async Task DrainAsync(HttpContext context, ResourceType type, WatchSubscription subscription, bool asTable, string includeObject)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (subscription.Reader.TryRead(out var message))
        {
            Append(buffer, type, message, asTable, includeObject);
        }

        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private void Append(ArrayBufferWriter<byte> buffer, ResourceType type, WatchMessage message, bool asTable, string includeObject)
    {
        var obj = asTable && message.Type is not (WatchMessage.Bookmark or WatchMessage.Error)
            ? TableConverter.Build(type, [message.Object], includeObject, cluster.Time.GetUtcNow(), [])
            : message.Object;
        using (var writer = KubeJson.CreateWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", message.Type);
            writer.WritePropertyName("object");
            obj.WriteTo(writer);
            writer.WriteEndObject();
        }

        buffer.Write(NewLine);
    }
}
