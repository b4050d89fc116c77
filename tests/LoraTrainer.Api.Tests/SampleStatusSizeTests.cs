using System.Text;
using k8s;
using LoraTrainer.Cluster;

namespace LoraTrainer.Api.Tests;

/// <summary>Sample keys in status stay small enough that a run never nears the size Kubernetes allows an object.</summary>
public sealed class SampleStatusSizeTests
{
    [Fact]
    public void Epochs_WithEveryPromptSampledAtTheMostEpochsAllowed_StayUnder80KB()
    {
        var status = new TrainingRunStatus
        {
            Epochs = [.. Enumerable.Range(0, SampleDefaults.MaxSampledEpochs).Select(epoch => new EpochLoss
            {
                Epoch = epoch,
                Loss = epoch == 0 ? null : 0.0812345678901234,
                ValidationLoss = epoch == 0 ? null : 0.0923456789012345,
                Samples = [.. Enumerable.Range(0, 8).Select(prompt => new SampleImageStatus
                {
                    Prompt = prompt,
                    Key = $"loras/anna/samples/portrait-sdxl/e{epoch:000000}-{prompt:00}.png",
                })],
            })],
        };

        var bytes = Encoding.UTF8.GetByteCount(ClusterJson.Serialize(status.Epochs));

        // docs/trainingrun.md ("Size of status") states this figure; Kubernetes allows an object 1.5 MB.
        Assert.InRange(bytes, 40_000, 80_000);
    }
}
