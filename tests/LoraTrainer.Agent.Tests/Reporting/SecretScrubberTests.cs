using LoraTrainer.Agent.Reporting;

namespace LoraTrainer.Agent.Tests.Reporting;

public sealed class SecretScrubberTests
{
    [Theory]
    [InlineData("GET https://bucket.s3.amazonaws.com/data.zip?X-Amz-Signature=abc123&X-Amz-Credential=AKID failed",
        "GET https://bucket.s3.amazonaws.com/data.zip?*** failed")]
    [InlineData("headers: {'Authorization': 'Bearer 0123456789abcdef'}", "headers: {'Authorization': '***'}")]
    [InlineData("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: ***")]
    [InlineData("requests.get(url, token=abcdef123456)", "requests.get(url, token=***)")]
    [InlineData("using Bearer sk-live-abcdef0123 for civitai", "using Bearer *** for civitai")]
    [InlineData("epoch 3/10 avr_loss=0.126", "epoch 3/10 avr_loss=0.126")]
    public void Scrub_MasksAnythingShapedLikeASecret(string text, string expected)
    {
        Assert.Equal(expected, new SecretScrubber().Scrub(text));
    }

    [Fact]
    public void Scrub_MasksEveryRememberedSecretWherever_ItAppears()
    {
        var scrubber = new SecretScrubber();
        scrubber.Add("dGhpcy1pcy1hLXRlc3QtdG9rZW4tb2YtMzItYnl0ZXM");
        scrubber.Add("https://cdn.example.com/m.safetensors?sig=Zm9vYmFy&exp=1");

        var text = scrubber.Scrub("token dGhpcy1pcy1hLXRlc3QtdG9rZW4tb2YtMzItYnl0ZXM leaked; query sig=Zm9vYmFy&exp=1 echoed");

        Assert.DoesNotContain("dGhpcy1pcy1hLXRlc3QtdG9rZW4tb2YtMzItYnl0ZXM", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Zm9vYmFy", text, StringComparison.Ordinal);
    }
}
