using LoraTrainer.Operator.Vast.Api;

namespace LoraTrainer.Operator.Vast.Instances;

/// <summary>What Vast's status fields say about an instance.</summary>
internal enum InstanceState
{
    /// <summary>Provisioning, created, loading the image or rebooting: wait (the phase deadline bounds the wait).</summary>
    Pending,

    /// <summary>The container runs; the agent's <c>gpuReady</c> is the real readiness signal.</summary>
    Running,

    /// <summary>
    /// Vast stopped it and keeps its disk: an interruptible instance outbid, which Vast resumes once its bid is highest
    /// again, or an account out of credit. An on-demand run treats it as dead.
    /// </summary>
    Paused,

    /// <summary>It will not run our work again: release it and retry elsewhere.</summary>
    Dead,
}

/// <summary>The state of an instance and the words for <c>status.message</c>.</summary>
internal sealed record InstanceHealth(InstanceState State, string Reason);

/// <summary>Classifies an instance from <c>actual_status</c>, the contract states and <c>status_msg</c>.</summary>
internal static class InstanceClassifier
{
    private const string OciFailure = "OCI runtime create failed";

    /// <summary>Classifies an instance; a null instance (gone) is dead.</summary>
    public static InstanceHealth Classify(VastInstance? instance)
    {
        if (instance is null)
        {
            return new(InstanceState.Dead, "the instance no longer exists on Vast");
        }

        var actual = instance.ActualStatus?.ToLowerInvariant();
        if (IsStopped(instance.CurState) || IsStopped(instance.IntendedStatus) || IsStopped(instance.NextState))
        {
            return new(InstanceState.Paused, "Vast paused the instance (outbid or out of credit)");
        }

        if (instance.StatusMsg?.Contains(OciFailure, StringComparison.OrdinalIgnoreCase) == true && actual != "running")
        {
            return new(InstanceState.Dead, $"the image cannot start: {Shorten(instance.StatusMsg)}");
        }

        return actual switch
        {
            "running" => new(InstanceState.Running, "running"),
            null => new(InstanceState.Pending, "being provisioned"),
            "created" => new(InstanceState.Pending, "created, waiting for the host"),
            "loading" => new(InstanceState.Pending, "loading the image"),
            "rebooting" => new(InstanceState.Pending, "rebooting"),
            "exited" => new(InstanceState.Dead, Describe("the container exited", instance.StatusMsg)),
            "unknown" => new(InstanceState.Dead, "the host stopped sending heartbeats"),
            "offline" => new(InstanceState.Dead, "the host went offline"),
            "stopped" => new(InstanceState.Paused, "Vast paused the instance (outbid or out of credit)"),
            // frozen and any status Vast adds later: not ours to judge; the phase deadline decides.
            _ => new(InstanceState.Pending, $"status {actual}"),
        };
    }

    private static bool IsStopped(string? state) => string.Equals(state, "stopped", StringComparison.OrdinalIgnoreCase);

    private static string Describe(string what, string? message) => string.IsNullOrWhiteSpace(message) ? what : $"{what}: {Shorten(message)}";

    private static string Shorten(string message)
    {
        var line = message.Trim().ReplaceLineEndings(" ");
        return line.Length > 200 ? line[..200] + "…" : line;
    }
}
