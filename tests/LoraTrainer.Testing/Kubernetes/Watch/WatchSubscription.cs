using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace LoraTrainer.Testing.Kubernetes.Watch;

/// <summary>One open watch: the events it still has to send, filtered through its selectors.</summary>
/// <remarks>
/// Events are offered under the store's lock, so their order is the commit order; the HTTP side drains
/// the channel at its own pace. Selector transitions follow the apiserver's watch cache: an object that
/// starts matching arrives as ADDED, one that stops matching as DELETED (its previous state, at the new
/// resourceVersion).
/// </remarks>
internal sealed class WatchSubscription(string storageKey, WatchFilter filter, Func<JsonObject, JsonObject> present, bool isInternal = false)
{
    private readonly Channel<WatchMessage> _channel =
        Channel.CreateUnbounded<WatchMessage>(new UnboundedChannelOptions { SingleReader = true });

    private readonly CancellationTokenSource _dropped = new();

    public string StorageKey { get; } = storageKey;

    public WatchFilter Filter { get; } = filter;

    /// <summary>The test kit's own subscription (a wait), which dropping all watches leaves open: it is no client's watch.</summary>
    public bool IsInternal { get; } = isInternal;

    public ChannelReader<WatchMessage> Reader => _channel.Reader;

    /// <summary>Cancelled when the test kit drops all watches by resetting their connections.</summary>
    public CancellationToken Dropped => _dropped.Token;

    /// <summary>Whether a drop should reset the connection instead of ending the stream cleanly.</summary>
    public bool AbortConnection { get; private set; }

    public void Offer(StoredEvent change)
    {
        var matchesNow = Filter.Matches(change.Object);
        var matchedBefore = change.Previous is not null && Filter.Matches(change.Previous);
        switch (change.Type)
        {
            case WatchMessage.Added when matchesNow:
            case WatchMessage.Deleted when matchesNow:
                Send(new WatchMessage(change.Type, present(change.Object)));
                break;
            case WatchMessage.Modified when matchesNow && matchedBefore:
                Send(new WatchMessage(WatchMessage.Modified, present(change.Object)));
                break;
            case WatchMessage.Modified when matchesNow:
                Send(new WatchMessage(WatchMessage.Added, present(change.Object)));
                break;
            case WatchMessage.Modified when matchedBefore:
                Send(new WatchMessage(WatchMessage.Deleted, present(AtRevision(change.Previous!, change.Revision))));
                break;
        }
    }

    public void Send(WatchMessage message)
    {
        _channel.Writer.TryWrite(message);
        if (message.EndsStream)
        {
            _channel.Writer.TryComplete();
        }
    }

    /// <summary>
    /// Ends the watch: cleanly (the stream sends what it already holds, then ends, as a closing apiserver does) or by
    /// resetting the connection at once.
    /// </summary>
    public void Drop(bool abortConnection)
    {
        AbortConnection = abortConnection;
        _channel.Writer.TryComplete();
        if (abortConnection)
        {
            _dropped.Cancel();
        }
    }

    public void Complete() => _channel.Writer.TryComplete();

    private static JsonObject AtRevision(JsonObject previous, long revision)
    {
        var copy = KubeJson.Clone(previous);
        KubeJson.Metadata(copy)["resourceVersion"] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        KubeJson.Materialize(copy);
        return copy;
    }
}
