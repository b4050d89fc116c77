using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Testing.Tests.Vast;

public sealed class VastRoutesTests
{
    [Theory]
    [InlineData("POST", "/api/v0/bundles/", VastRoute.Search, 0)]
    [InlineData("POST", "/api/v0/bundles", VastRoute.Search, 0)]
    [InlineData("PUT", "/api/v0/asks/4242/", VastRoute.Create, 4242)]
    [InlineData("GET", "/api/v0/instances/77/", VastRoute.Show, 77)]
    [InlineData("PUT", "/api/v0/instances/77/", VastRoute.Label, 77)]
    [InlineData("DELETE", "/api/v0/instances/77", VastRoute.Destroy, 77)]
    [InlineData("GET", "/api/v1/instances/", VastRoute.List, 0)]
    [InlineData("GET", "/api/v0/instances/", VastRoute.LegacyList, 0)]
    public void Match_OfADocumentedEndpoint_NamesItAndItsId(string method, string path, VastRoute route, long id) =>
        Assert.Equal((route, id), VastRoutes.Match(method, path));

    [Theory]
    [InlineData("GET", "/api/v0/bundles/")]
    [InlineData("POST", "/api/v0/instances/77/")]
    [InlineData("GET", "/api/v0/instances/abc/")]
    [InlineData("GET", "/api/v0/instances/-5/")]
    [InlineData("GET", "/api/v0/instances/77/extra/")]
    [InlineData("GET", "/api/v2/instances/")]
    public void Match_OfAnUndocumentedMethodOrPath_IsUnknown(string method, string path) =>
        Assert.Equal(VastRoute.Unknown, VastRoutes.Match(method, path).Route);
}
