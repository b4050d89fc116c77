using LoraTrainer.Protocol;

namespace LoraTrainer.Agent.Watchdog;

/// <summary>An epoch the trainer saved, as the agent reported it.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Loss">The loss reported for it; null when none was usable.</param>
/// <param name="File">Its file name in the output folder.</param>
internal sealed record SavedEpoch(int Epoch, double? Loss, string File);

/// <summary>
/// What the watchdog knows of the run, fed by the config client and the event reporter: when the receiver last
/// answered, the latest config (limits and upload targets), the epochs saved so far and whether the result went up.
/// </summary>
internal sealed class WatchdogLedger(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<int, SavedEpoch> _epochs = [];
    private DateTimeOffset _lastContact = time.GetUtcNow();
    private AgentConfig? _config;
    private bool _resultUploaded;

    /// <summary>When the receiver last answered; the agent's start until it first does.</summary>
    public DateTimeOffset LastContact
    {
        get { lock (_gate) return _lastContact; }
    }

    /// <summary>The config of the latest successful fetch; null before the first.</summary>
    public AgentConfig? Config
    {
        get { lock (_gate) return _config; }
    }

    /// <summary>The epochs saved so far, in order.</summary>
    public IReadOnlyList<SavedEpoch> Epochs
    {
        get { lock (_gate) return [.. _epochs.Values]; }
    }

    /// <summary>True once the run itself reported its result uploaded.</summary>
    public bool ResultUploaded
    {
        get { lock (_gate) return _resultUploaded; }
    }

    /// <summary>The receiver answered a request successfully.</summary>
    public void ReceiverAnswered()
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (now > _lastContact)
            {
                _lastContact = now;
            }
        }
    }

    /// <summary>A config arrived: the receiver answered, and its limits and upload targets are now the ones to use.</summary>
    public void ConfigFetched(AgentConfig config)
    {
        lock (_gate) _config = config;
        ReceiverAnswered();
    }

    /// <summary>The agent reported <paramref name="evt"/>; saved epochs and the uploaded result are remembered.</summary>
    public void Reported(AgentEvent evt)
    {
        lock (_gate)
        {
            if (evt is { Kind: EventKinds.EpochCompleted, Epoch: { } epoch, File: { Length: > 0 } file })
            {
                _epochs[epoch] = new SavedEpoch(epoch, evt.Loss, file);
            }
            else if (evt.Kind == EventKinds.Uploaded)
            {
                _resultUploaded = true;
            }
        }
    }
}
