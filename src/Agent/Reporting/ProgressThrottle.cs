using LoraTrainer.Protocol;

namespace LoraTrainer.Agent.Reporting;

/// <summary>Decides which progress updates are worth an event: every few percent or every few seconds, whichever comes first.</summary>
internal sealed class ProgressThrottle(ReportingPolicy policy)
{
    private int? _lastPercent;
    private DateTimeOffset _lastAt;

    /// <summary>True when an update at <paramref name="percent"/> and <paramref name="now"/> should be sent; remembers it if so.</summary>
    public bool ShouldSend(int percent, DateTimeOffset now)
    {
        var due = _lastPercent is not { } last
            || percent - last >= Math.Max(policy.ProgressEveryPercent, 1)
            || now - _lastAt >= TimeSpan.FromSeconds(Math.Max(policy.ProgressEverySeconds, 1))
            || (percent >= 100 && last < 100);
        if (due)
        {
            _lastPercent = percent;
            _lastAt = now;
        }

        return due;
    }
}
