using LoraTrainer.Api;
using LoraTrainer.Operator.Models;

namespace LoraTrainer.Operator.Tests.Models;

public sealed class CivitaiFamiliesTests
{
    [Theory]
    [InlineData("SD 1.5", "sd15")]
    [InlineData("SD 1.4", "sd15")]
    [InlineData("SDXL 1.0", "sdxl")]
    [InlineData("SDXL Lightning", "sdxl")]
    [InlineData("Pony", "sdxl")]
    [InlineData("Illustrious", "sdxl")]
    [InlineData("Flux.1 D", "flux")]
    [InlineData("Flux.1 S", "flux")]
    public void FromBaseModel_MapsCivitaiBaseModelsToFamilies(string baseModel, string family)
    {
        Assert.Equal(family, CivitaiFamilies.FromBaseModel(baseModel)!.Value.ToWireName());
    }

    [Theory]
    [InlineData("SD 2.1")]
    [InlineData("SD 3.5")]
    [InlineData("Hunyuan Video")]
    [InlineData("")]
    [InlineData(null)]
    public void FromBaseModel_WhenFamilyIsNotOneWeTrain_ReturnsNull(string? baseModel)
    {
        Assert.Null(CivitaiFamilies.FromBaseModel(baseModel));
    }

    [Theory]
    [InlineData("urn:air:sd1:checkpoint:civitai:4384@128713", ModelFamily.Sd15)]
    [InlineData("urn:air:sdxl:checkpoint:civitai:827184@2514310", ModelFamily.Sdxl)]
    [InlineData("urn:air:pony:checkpoint:civitai:257749@290640", ModelFamily.Sdxl)]
    [InlineData("urn:air:flux1:checkpoint:civitai:618692@691639", ModelFamily.Flux)]
    public void Infer_WhenBaseModelIsUnknown_FallsBackToTheAirEcosystem(string air, ModelFamily family)
    {
        Assert.Equal(family, CivitaiFamilies.Infer(new CivitaiModelVersion { BaseModel = "Other", Air = air }));
    }

    [Fact]
    public void Infer_WhenBaseModelAndAirDisagree_TrustsTheBaseModel()
    {
        var version = new CivitaiModelVersion { BaseModel = "Pony", Air = "urn:air:sd1:checkpoint:civitai:1@2" };

        Assert.Equal(ModelFamily.Sdxl, CivitaiFamilies.Infer(version));
    }
}
