namespace LoraTrainer.Chart.Tests.Values;

public sealed class ValuesSchemaTests
{
    [Fact]
    public void Schema_AcceptsTheChartsDefaultValues()
    {
        var errors = ValuesSchema.Errors(ChartFiles.DefaultValues());

        Assert.True(errors.Count == 0, "values.yaml does not pass values.schema.json:\n" + string.Join("\n", errors));
    }

    [Fact]
    public void Schema_AcceptsTheFullExampleValues()
    {
        var errors = ValuesSchema.Errors(ValuesMerge.WithDefaults(ChartFiles.Read($"{ChartFiles.Chart}/ci/full-values.yaml")));

        Assert.True(errors.Count == 0, "ci/full-values.yaml does not pass values.schema.json:\n" + string.Join("\n", errors));
    }

    [Theory]
    [InlineData("operator: {config: {Operator: {ReceiverUrl: 'https://lora-hooks.example.com'}}}")]
    [InlineData("operator: {config: {S3: {Provider: minio, ServiceUrl: 'http://minio.storage:9000'}}}")]
    [InlineData("operator: {config: {S3: {Provider: B2, ServiceUrl: 'https://s3.us-west-004.backblazeb2.com', Region: us-west-004}}}")]
    [InlineData("operator: {replicas: 1, config: {Operator: {LeaderElection: {Enabled: false}}}}")]
    [InlineData("operator: {config: {Vast: {ClusterName: prod-eu}, Operator: {ClusterName: prod-eu}}}")]
    [InlineData("operator: {config: {S3: {PresignPutExpiry: '2.12:00:00'}}}")]
    [InlineData("receiver: {podDisruptionBudget: {minAvailable: '50%'}}")]
    [InlineData("operator: {secrets: {s3: {name: ''}, civitai: {name: ''}}}")]
    public void Schema_AcceptsValidChoices(string overrides)
    {
        var errors = ValuesSchema.Errors(ValuesMerge.WithDefaults(overrides));

        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Theory]
    [InlineData("the receiver URL without a scheme", "operator: {config: {Operator: {ReceiverUrl: lora-hooks.example.com}}}", "/operator/config/Operator/ReceiverUrl")]
    [InlineData("a duration in Go or Kubernetes style", "operator: {config: {Operator: {InstanceCheckInterval: 30s}}}", "/operator/config/Operator/InstanceCheckInterval")]
    [InlineData("a duration as a bare number (TimeSpan reads it as days)", "receiver: {config: {Receiver: {TokenCacheDuration: '30'}}}", "/receiver/config/Receiver/TokenCacheDuration")]
    [InlineData("a misspelled chart value", "operator: {replica: 3}", "/operator/replica")]
    [InlineData("a misspelled configuration key", "operator: {config: {Operator: {Worker: 16}}}", "/operator/config/Operator/Worker")]
    [InlineData("a configuration section that does not exist", "operator: {config: {Civitia: {MaxRetries: 2}}}", "/operator/config/Civitia")]
    [InlineData("the Vast API key as a plain value", "operator: {config: {Vast: {ApiKey: 0123456789abcdef}}}", "/operator/config/Vast/ApiKey")]
    [InlineData("S3 keys as plain values", "operator: {config: {S3: {AccessKeyId: AKIAEXAMPLE, SecretAccessKey: secret}}}", "/operator/config/S3/AccessKeyId")]
    [InlineData("two replicas without leader election", "operator: {config: {Operator: {LeaderElection: {Enabled: false}}}}", "/operator/replicas")]
    [InlineData("MinIO without its endpoint", "operator: {config: {S3: {Provider: MinIO}}}", "/operator/config/S3/ServiceUrl")]
    [InlineData("B2 without its region", "operator: {config: {S3: {Provider: B2, ServiceUrl: 'https://s3.us-west-004.backblazeb2.com'}}}", "/operator/config/S3/Region")]
    [InlineData("an unknown S3 provider", "operator: {config: {S3: {Provider: GCS, ServiceUrl: 'https://storage.googleapis.com'}}}", "/operator/config/S3/Provider")]
    [InlineData("a cluster name with capitals", "operator: {config: {Operator: {ClusterName: Prod-EU}}}", "/operator/config/Operator/ClusterName")]
    [InlineData("workers as words", "operator: {config: {Operator: {Workers: many}}}", "/operator/config/Operator/Workers")]
    [InlineData("workers beyond the code's limit", "operator: {config: {Operator: {Workers: 1000}}}", "/operator/config/Operator/Workers")]
    [InlineData("a body limit beyond the code's limit", "receiver: {config: {Receiver: {MaxBodyBytes: 10485760}}}", "/receiver/config/Receiver/MaxBodyBytes")]
    [InlineData("an S3 part below the S3 minimum", "operator: {config: {S3: {PartSize: 1048576}}}", "/operator/config/S3/PartSize")]
    [InlineData("an ingress host with a scheme", "receiver: {ingress: {enabled: true, host: 'https://lora-hooks.example.com'}}", "/receiver/ingress/host")]
    [InlineData("an ingress without a host", "receiver: {ingress: {enabled: true}}", "/receiver/ingress/host")]
    [InlineData("namespace RBAC without a namespace", "rbac: {scope: namespace}", "/operator/config/Operator/WatchNamespace")]
    [InlineData("an RBAC scope that does not exist", "rbac: {scope: namespaced}", "/rbac/scope")]
    [InlineData("an image tag YAML reads as a number", "operator: {image: {tag: 0.2}}", "/operator/image/tag")]
    [InlineData("the Vast Secret without a name", "operator: {secrets: {vast: {name: ''}}}", "/operator/secrets/vast/name")]
    [InlineData("a log level that does not exist", "receiver: {logLevel: Info}", "/receiver/logLevel")]
    [InlineData("resources with a misspelled section", "receiver: {resources: {limit: {memory: 1Gi}}}", "/receiver/resources/limit")]
    public void Schema_RefusesATypicalMistake(string mistake, string overrides, string location)
    {
        var errors = ValuesSchema.Errors(ValuesMerge.WithDefaults(overrides));

        Assert.True(errors.Any(error => error.StartsWith(location + ":", StringComparison.Ordinal)),
            $"values.schema.json should refuse {mistake} at {location}; it reported: {(errors.Count == 0 ? "nothing" : string.Join("\n", errors))}");
    }
}
