using System.Globalization;
using LoraTrainer.Protocol;

namespace LoraTrainer.Agent.Watchdog;

/// <summary>Why the watchdog fired.</summary>
internal enum WatchdogTrigger
{
    /// <summary>The receiver has not answered for the whole window.</summary>
    ReceiverUnreachable,
    /// <summary>The run's deadline (<c>activeDeadlineSeconds</c>) has passed.</summary>
    DeadlinePassed,
    /// <summary>The run's budget (<c>maxCostUsd</c>) has run out at the instance's price.</summary>
    BudgetSpent,
}

/// <summary>The watchdog's decision to end the run.</summary>
/// <param name="Trigger">What fired it.</param>
/// <param name="Since">When the limit was crossed.</param>
/// <param name="Reason">One sentence for the log and the <c>failed</c> event.</param>
internal sealed record WatchdogVerdict(WatchdogTrigger Trigger, DateTimeOffset Since, string Reason);

/// <summary>Decides whether the run must end now; a pure function of the clock, the receiver contact and the run's limits.</summary>
internal static class WatchdogDecision
{
    /// <summary>
    /// The verdict when a limit has been crossed, the one crossed first when several were; null while all is well.
    /// </summary>
    /// <param name="now">The current time.</param>
    /// <param name="lastContact">The receiver's last answer (the agent's start before the first).</param>
    /// <param name="limits">The run's limits from the config; null when it has none or no config has arrived.</param>
    /// <param name="window">How long the receiver may stay silent.</param>
    public static WatchdogVerdict? Decide(DateTimeOffset now, DateTimeOffset lastContact, RunLimits? limits, TimeSpan window)
    {
        var candidates = new List<WatchdogVerdict>(3)
        {
            new(WatchdogTrigger.ReceiverUnreachable, lastContact + window,
                $"the receiver has not answered since {Stamp(lastContact)} ({Minutes(now - lastContact)} minutes; the window is {Minutes(window)} minutes)"),
        };
        if (limits?.Deadline is { } deadline)
        {
            candidates.Add(new(WatchdogTrigger.DeadlinePassed, deadline,
                $"the run's deadline {Stamp(deadline)} (spec.runPolicy.activeDeadlineSeconds) has passed"));
        }

        if (limits?.BudgetExhaustedAt is { } spent)
        {
            candidates.Add(new(WatchdogTrigger.BudgetSpent, spent,
                $"the run's budget (spec.runPolicy.maxCostUsd) ran out at {Stamp(spent)} at this instance's price"));
        }

        return candidates.Where(c => c.Since <= now).OrderBy(c => c.Since).FirstOrDefault();
    }

    private static string Stamp(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Minutes(TimeSpan span) => Math.Round(span.TotalMinutes, 1).ToString(CultureInfo.InvariantCulture);
}
