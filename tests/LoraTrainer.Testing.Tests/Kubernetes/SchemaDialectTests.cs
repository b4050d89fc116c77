using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Validation;

namespace LoraTrainer.Testing.Tests.Kubernetes;

public sealed class SchemaDialectTests
{
    private static readonly CustomResourceSchema Schema = new(JsonNode.Parse("""
        {"type":"object","properties":{
          "spec":{"type":"object","properties":{
            "port":{"x-kubernetes-int-or-string":true},
            "note":{"type":"string","nullable":true},
            "price":{"type":"number","minimum":0,"exclusiveMinimum":true},
            "extra":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
            "tags":{"type":"object","additionalProperties":{"type":"string"}},
            "items":{"type":"array","maxItems":2,"items":{"type":"object","properties":{"name":{"type":"string","default":"unnamed"}}}}
          }}}}
        """)!.AsObject());

    [Fact]
    public void IntOrStringNullableAndPreservedFields_AreAccepted()
    {
        var obj = Parse("""{"spec":{"port":"http","note":null,"price":0.5,"extra":{"anything":{"goes":1}},"tags":{"a":"b"}}}""");

        Assert.Empty(Schema.Prune(obj));
        Assert.Empty(Schema.Validate(obj));
        Assert.Empty(Schema.Validate(Parse("""{"spec":{"port":8080}}""")));
    }

    [Fact]
    public void BooleanExclusiveMinimum_IsEnforcedAsAStrictBound()
    {
        var errors = Schema.Validate(Parse("""{"spec":{"price":0}}"""));

        Assert.Equal("spec.price: Invalid value: 0: spec.price in body should be greater than 0", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Prune_RemovesUndeclaredFieldsButKeepsPreservedOnes()
    {
        var obj = Parse("""{"spec":{"bogus":1,"extra":{"kept":true},"items":[{"name":"a","junk":2}]}}""");

        var unknown = Schema.Prune(obj);

        Assert.Equal(["spec.bogus", "spec.items[0].junk"], unknown);
        Assert.Equal("""{"spec":{"extra":{"kept":true},"items":[{"name":"a"}]}}""", obj.ToJsonString());
    }

    [Fact]
    public void Defaults_FillAbsentFieldsInsideArrays()
    {
        var obj = Parse("""{"spec":{"items":[{}]}}""");

        Schema.ApplyDefaults(obj);

        Assert.Equal("unnamed", obj["spec"]!["items"]![0]!["name"]!.GetValue<string>());
    }

    [Fact]
    public void MaxItemsAndTypeErrors_UseTheApiserversWording()
    {
        var errors = Schema.Validate(Parse("""{"spec":{"items":[{},{},{}],"port":true}}""")).Select(e => e.ToString()).Order().ToList();

        Assert.Equal(
        [
            "spec.items: Too many: 3: must have at most 2 items",
            "spec.port: Invalid value: \"boolean\": spec.port in body must be of type integer,string: \"boolean\"",
        ], errors);
    }

    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();
}
