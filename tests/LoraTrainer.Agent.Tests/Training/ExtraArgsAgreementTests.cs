using LoraTrainer.Agent.Training;
using LoraTrainer.Api;

namespace LoraTrainer.Agent.Tests.Training;

/// <summary>The operator refuses an extra argument before renting exactly when the agent would refuse it on the GPU.</summary>
public sealed class ExtraArgsAgreementTests
{
    public static TheoryData<ModelFamily> Families() => new(Enum.GetValues<ModelFamily>());

    [Theory]
    [MemberData(nameof(Families))]
    public void EveryAllowedExtraArg_IsAcceptedForAFamily_ExactlyWhenItsPinnedScriptTakesIt(ModelFamily family)
    {
        var script = TrainingDefaults.Script(family);
        var known = SdScriptsArguments.For(script)!;

        var disagreements = ExtraArgs.Allowed
            .Where(name => ExtraArgs.IsAllowedFor(name, family) != known.Contains(name))
            .Order(StringComparer.Ordinal)
            .Select(name => $"{name} (operator: {(ExtraArgs.IsAllowedFor(name, family) ? "accepts" : "refuses")}, {script}: {(known.Contains(name) ? "takes it" : "does not")})")
            .ToList();

        Assert.True(disagreements.Count == 0, $"ExtraArgs.FamilyOnly disagrees with the pinned sd-scripts for {family.ToWireName()}: {string.Join("; ", disagreements)}");
    }
}
