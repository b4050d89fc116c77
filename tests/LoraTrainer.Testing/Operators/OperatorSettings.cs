using LoraTrainer.Testing.Civitai;
using LoraTrainer.Testing.S3;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Testing.Operators;

/// <summary>The operator's configuration keys, pointing every provider at its local fake, with intervals short enough for tests.</summary>
public static class OperatorSettings
{
    /// <summary>Settings for an operator talking to these fakes, labelling instances with <paramref name="clusterName"/>.</summary>
    public static Dictionary<string, string?> ForFakes(Uri receiver, VastSimulator vast, Uri s3, CivitaiFake civitai, string clusterName) => new()
    {
        ["Operator:ClusterName"] = clusterName,
        ["Operator:ReceiverUrl"] = receiver.ToString().TrimEnd('/'),
        ["Operator:InstanceCheckInterval"] = "00:00:01",
        ["Operator:NoOfferRetryInterval"] = "00:00:01",
        ["Operator:VastRefusalRetryInterval"] = "00:00:01",
        ["Operator:VastOutageRetryInterval"] = "00:00:01",
        ["Operator:LeaderElection:Enabled"] = "false",
        ["Vast:BaseUrl"] = vast.BaseUrl.ToString(),
        ["Vast:ApiKey"] = vast.ApiKey,
        ["Vast:SweepEnabled"] = "false",
        ["Vast:RetryBaseDelay"] = "00:00:00.050",
        ["Vast:RetryMaxDelay"] = "00:00:00.200",
        ["Vast:CreateLookupDelay"] = "00:00:00.050",
        ["Vast:DestroyConfirmDelay"] = "00:00:00.050",
        // Tests change the market between searches; the ones about shared searches set a window.
        ["Vast:SearchShareWindow"] = "00:00:00",
        ["Vast:Pacing:Search"] = "00:00:00",
        ["Vast:Pacing:Create"] = "00:00:00",
        ["Vast:Pacing:Show"] = "00:00:00",
        ["Vast:Pacing:Label"] = "00:00:00",
        ["Vast:Pacing:List"] = "00:00:00",
        ["Vast:Pacing:Destroy"] = "00:00:00",
        ["S3:Provider"] = "Other",
        ["S3:ServiceUrl"] = s3.ToString(),
        ["S3:Region"] = S3rverServer.Region,
        ["S3:ChecksumMode"] = "WHEN_REQUIRED",
        ["S3:AccessKeyId"] = S3rverServer.AccessKeyId,
        ["S3:SecretAccessKey"] = S3rverServer.SecretAccessKey,
        ["Civitai:BaseUrl"] = civitai.BaseUrl.ToString(),
        ["Civitai:RetryDelay"] = "00:00:00.050",
    };
}
