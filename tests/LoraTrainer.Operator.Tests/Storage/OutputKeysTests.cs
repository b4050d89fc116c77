using LoraTrainer.Api;
using LoraTrainer.Operator.Storage;

namespace LoraTrainer.Operator.Tests.Storage;

public sealed class OutputKeysTests
{
    private static readonly S3Location Location = new() { Bucket = "trained-loras", Prefix = "loras/anna" };

    [Theory]
    [InlineData(KeepPolicy.Best, "s3://trained-loras/loras/anna/portrait.safetensors", 3, true)]
    [InlineData(KeepPolicy.All, "s3://trained-loras/loras/anna/portrait.safetensors", 3, true)]
    [InlineData(KeepPolicy.All, "s3://trained-loras/loras/anna/portrait-000003.safetensors", 3, true)]
    [InlineData(KeepPolicy.All, "s3://trained-loras/loras/anna/portrait-000002.safetensors", 3, false)]
    [InlineData(KeepPolicy.Best, "s3://trained-loras/loras/anna/portrait-000003.safetensors", 3, false)]
    [InlineData(KeepPolicy.Best, "s3://trained-loras/loras/anna/other.safetensors", 3, false)]
    [InlineData(KeepPolicy.Best, "s3://other-bucket/loras/anna/portrait.safetensors", 3, false)]
    [InlineData(KeepPolicy.Best, "s3://trained-loras/loras/annabel/portrait.safetensors", 3, false)]
    public void IsResultOf_AcceptsOnlyTheKeysTheRunWasGiven(KeepPolicy keep, string uri, int epoch, bool expected)
    {
        var output = new OutputSpec { S3 = Location, Keep = keep };

        Assert.Equal(expected, OutputKeys.IsResultOf(output, "portrait", S3Uri.Parse(uri), epoch));
    }

    [Theory]
    [InlineData("s3://trained-loras/loras/anna/portrait.safetensors", true)]
    [InlineData("https://trained-loras/loras/anna/portrait.safetensors", false)]
    [InlineData("s3://", false)]
    public void TryParse_ReadsOnlyS3Uris(string value, bool expected) => Assert.Equal(expected, S3Uri.TryParse(value, out _));
}
