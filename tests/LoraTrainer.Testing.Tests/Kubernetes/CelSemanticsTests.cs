using LoraTrainer.Cluster;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Kubernetes.Validation;
using static LoraTrainer.Testing.Tests.Kubernetes.KubeFixtures;

namespace LoraTrainer.Testing.Tests.Kubernetes;

/// <summary>How the fake evaluates CEL rules of any CRD: presence, transition rules, messages, reasons and errors.</summary>
public sealed class CelSemanticsTests
{
    private const string GadgetCrd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: gadgets.example.com
        spec:
          group: example.com
          scope: Namespaced
          names: {plural: gadgets, singular: gadget, kind: Gadget}
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    x-kubernetes-validations:
                    - rule: "has(self.label)"
                      message: label must be present, even if empty
                    - rule: "self.size >= oldSelf.size"
                      message: size may not shrink
                    - rule: "!has(self.owner) || self.owner != 'root'"
                      messageExpression: "'owner ' + self.owner + ' is reserved'"
                      reason: FieldValueForbidden
                      fieldPath: .owner
                    - rule: "!has(self.ratio) || self.ratio < 1.5"
                    properties:
                      label: {type: string}
                      size: {type: integer}
                      owner: {type: string}
                      ratio: {type: number}
                      parts:
                        type: array
                        items:
                          type: object
                          x-kubernetes-validations:
                          - rule: "self.name.startsWith('p-')"
                            message: part names start with p-
                          properties:
                            name: {type: string}
                            note: {type: string}
        """;

    [Fact]
    public void Validate_OfAnEmptyButPresentField_PassesAHasRule()
    {
        var validator = Validator();

        Assert.Empty(validator.Validate(Gadget("""{"label":"","size":1}""")));
        Assert.Equal(["spec: Invalid value: \"object\": label must be present, even if empty"], validator.Validate(Gadget("""{"size":1}""")));
    }

    [Fact]
    public void Validate_ReportsReasonFieldPathMessageExpressionAndTheDefaultMessage()
    {
        var errors = Validator().Validate(Gadget("""{"label":"x","size":1,"owner":"root","ratio":2}"""));

        Assert.Equal(
        [
            "spec.owner: Forbidden: owner root is reserved",
            "spec: Invalid value: \"object\": failed rule: !has(self.ratio) || self.ratio < 1.5",
        ], errors);
    }

    [Fact]
    public void Validate_OfListItems_NamesTheItemAndReportsEvaluationErrors()
    {
        var errors = Validator().Validate(Gadget("""{"label":"x","size":1,"parts":[{"name":"p-1"},{"name":"wheel"},{"note":"nameless"}]}"""));

        Assert.Equal(
        [
            "spec.parts[1]: Invalid value: \"object\": part names start with p-",
            "spec.parts[2]: Invalid value: \"object\": no such key evaluating rule: part names start with p-",
        ], errors);
    }

    [Fact]
    public async Task TransitionRule_RunsOnUpdatesOnly_ComparingWithTheStoredObject()
    {
        await using var server = await FakeKubeApiServer.StartAsync(cancellationToken: Token);
        server.SeedYaml(GadgetCrd);
        using var client = server.CreateClient();
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(Gadget("""{"label":"x","size":5}"""), "example.com", "v1", "default", "gadgets", cancellationToken: Token);

        await client.CustomObjects.PatchNamespacedCustomObjectAsync(Patch.Merge("""{"spec":{"size":7}}"""), "example.com", "v1", "default", "gadgets", "g", cancellationToken: Token);
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectAsync(
            Patch.Merge("""{"spec":{"size":3}}"""), "example.com", "v1", "default", "gadgets", "g", cancellationToken: Token));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Equal("Gadget.example.com \"g\" is invalid: spec: Invalid value: \"object\": size may not shrink", JsonNode.Parse(error.Response.Content)!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Crd_WithARuleThatDoesNotCompile_IsRefusedNamingTheRule()
    {
        await using var server = await FakeKubeApiServer.StartAsync(cancellationToken: Token);
        using var client = server.CreateClient();
        var crd = Manifests.Parse(GadgetCrd).Single();
        crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["x-kubernetes-validations"]![1]!["rule"] = "self.size >=";

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(
            k8s.KubernetesJson.Deserialize<k8s.Models.V1CustomResourceDefinition>(crd.ToJsonString()), cancellationToken: Token));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[1].rule: Invalid value: \\\"self.size \\u003e=\\\": compilation failed: ",
            error.Response.Content.Replace(">", "\\u003e", StringComparison.Ordinal));
    }

    private static CustomResourceValidator Validator() => CustomResourceValidator.FromCrd(Manifests.Parse(GadgetCrd).Single());

    private static JsonObject Gadget(string spec) => new()
    {
        ["apiVersion"] = "example.com/v1",
        ["kind"] = "Gadget",
        ["metadata"] = new JsonObject { ["name"] = "g", ["namespace"] = "default" },
        ["spec"] = JsonNode.Parse(spec),
    };
}
