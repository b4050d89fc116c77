using System.Text;
using LoraTrainer.Protocol;

namespace LoraTrainer.Protocol.Tests;

public sealed class RequestSignerTests
{
    private const string Token = "dGhpcy1pcy1hLXRlc3QtdG9rZW4tb2YtMzItYnl0ZXM";
    private const string Path = "/v1/runs/ml-team/portrait/events";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_764_064_300);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"seq":1,"kind":"gpuReady"}""");

    private static string SignNow() => RequestSigner.Sign(Token, Now.ToUnixTimeSeconds(), "POST", Path, Body);

    [Fact]
    public void Verify_AcceptsTheRequestItSigned()
    {
        Assert.True(RequestSigner.Verify(Token, "1764064300", SignNow(), "POST", Path, Body, Now));
    }

    [Fact]
    public void Verify_RejectsATamperedBody()
    {
        var tampered = Encoding.UTF8.GetBytes("""{"seq":1,"kind":"uploaded"}""");
        Assert.False(RequestSigner.Verify(Token, "1764064300", SignNow(), "POST", Path, tampered, Now));
    }

    [Fact]
    public void Verify_RejectsATamperedPath()
    {
        Assert.False(RequestSigner.Verify(Token, "1764064300", SignNow(), "POST", "/v1/runs/ml-team/other/events", Body, Now));
    }

    [Fact]
    public void Verify_RejectsATamperedMethod()
    {
        Assert.False(RequestSigner.Verify(Token, "1764064300", SignNow(), "PUT", Path, Body, Now));
    }

    [Fact]
    public void Verify_RejectsATamperedTimestamp()
    {
        Assert.False(RequestSigner.Verify(Token, "1764064301", SignNow(), "POST", Path, Body, Now));
    }

    [Fact]
    public void Verify_RejectsTheWrongKey()
    {
        Assert.False(RequestSigner.Verify(RequestSigner.NewToken(), "1764064300", SignNow(), "POST", Path, Body, Now));
    }

    [Theory]
    [InlineData(301)]
    [InlineData(-301)]
    [InlineData(86_400)]
    public void Verify_RejectsAReplayOutsideTheSkewWindow(int secondsLater)
    {
        Assert.False(RequestSigner.Verify(Token, "1764064300", SignNow(), "POST", Path, Body, Now.AddSeconds(secondsLater)));
    }

    [Theory]
    [InlineData(299)]
    [InlineData(-299)]
    public void Verify_AcceptsClockSkewInsideTheWindow(int secondsLater)
    {
        Assert.True(RequestSigner.Verify(Token, "1764064300", SignNow(), "POST", Path, Body, Now.AddSeconds(secondsLater)));
    }

    [Theory]
    [InlineData(null, "v1=00")]
    [InlineData("abc", "v1=00")]
    [InlineData("1764064300", null)]
    [InlineData("1764064300", "v2=00")]
    [InlineData("1764064300", "v1=zz")]
    [InlineData("1764064300", "v1=")]
    public void Verify_RejectsMalformedHeaders(string? timestamp, string? signature)
    {
        Assert.False(RequestSigner.Verify(Token, timestamp, signature, "POST", Path, Body, Now));
    }

    [Fact]
    public void NewToken_Is43Base64UrlCharactersAndUnique()
    {
        var a = RequestSigner.NewToken();
        var b = RequestSigner.NewToken();
        Assert.Equal(43, a.Length);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", a);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Signature_IsLowercaseHexWithVersionPrefix()
    {
        Assert.Matches("^v1=[0-9a-f]{64}$", SignNow());
    }
}
