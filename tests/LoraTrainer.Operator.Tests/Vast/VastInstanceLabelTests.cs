using LoraTrainer.Operator.Vast.Instances;

namespace LoraTrainer.Operator.Tests.Vast;

public sealed class VastInstanceLabelTests
{
    [Fact]
    public void ToString_ThenTryParse_RoundTrips()
    {
        var label = new VastInstanceLabel("prod-eu", "3f1c9e2a-7b4d-4c1e-9a55-0d2f6e8b1c11", 2);

        Assert.Equal("loratrainer:prod-eu:3f1c9e2a-7b4d-4c1e-9a55-0d2f6e8b1c11:2", label.ToString());
        Assert.True(VastInstanceLabel.TryParse(label + "  \n", out var parsed));
        Assert.Equal(label, parsed);
    }

    [Fact]
    public void ToString_WithTheLongestClusterNameUidAndAttempt_FitsVastsLabelLimit()
    {
        var cluster = new string('c', 32);
        Assert.Matches(VastInstanceLabel.ClusterNamePattern, cluster);
        Assert.DoesNotMatch(VastInstanceLabel.ClusterNamePattern, cluster + "c");

        var label = new VastInstanceLabel(cluster, Guid.NewGuid().ToString(), int.MaxValue);

        Assert.InRange(label.ToString().Length, 1, VastInstanceLabel.MaxLength);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("my-notebook")]
    [InlineData("loratrainer:prod:uid")]
    [InlineData("loratrainer:prod:uid:x")]
    [InlineData("loratrainer::uid:1")]
    [InlineData("other:prod:uid:1")]
    public void TryParse_OfAForeignOrBrokenLabel_IsFalse(string? text) =>
        Assert.False(VastInstanceLabel.TryParse(text, out _));
}
