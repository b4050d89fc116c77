using LoraTrainer.Agent.Reporting;
using LoraTrainer.Protocol;

namespace LoraTrainer.Agent.Tests.Reporting;

public sealed class ProgressThrottleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ShouldSend_SendsTheFirstThenEveryFewPercent()
    {
        var throttle = new ProgressThrottle(new ReportingPolicy { ProgressEveryPercent = 2, ProgressEverySeconds = 30 });

        var sent = Enumerable.Range(0, 11).Where(p => throttle.ShouldSend(p, T0.AddSeconds(p))).ToList();

        Assert.Equal([0, 2, 4, 6, 8, 10], sent);
    }

    [Fact]
    public void ShouldSend_SendsAfterTheIntervalEvenWithoutPercentChange()
    {
        var throttle = new ProgressThrottle(new ReportingPolicy { ProgressEveryPercent = 2, ProgressEverySeconds = 30 });
        throttle.ShouldSend(5, T0);

        Assert.False(throttle.ShouldSend(5, T0.AddSeconds(29)));
        Assert.True(throttle.ShouldSend(5, T0.AddSeconds(30)));
    }

    [Fact]
    public void ShouldSend_AlwaysSendsReaching100Percent()
    {
        var throttle = new ProgressThrottle(new ReportingPolicy { ProgressEveryPercent = 5, ProgressEverySeconds = 30 });
        throttle.ShouldSend(99, T0);

        Assert.True(throttle.ShouldSend(100, T0.AddSeconds(1)));
    }
}
