using System.Reflection;
using LoraTrainer.Operator.Runtime;
using LoraTrainer.Webhook;

namespace LoraTrainer.Chart.Tests.Rbac;

public sealed class RbacTests
{
    private static readonly Assembly Operator = typeof(ControllerManager).Assembly;
    private static readonly Assembly Receiver = typeof(ReceiverOptions).Assembly;

    [Fact]
    public void OperatorRules_GrantExactlyWhatTheOperatorCalls()
    {
        var used = KubernetesCallScanner.Permissions(KubernetesCallScanner.Scan(Operator));

        AssertSame(used, ChartRules.Granted(ChartRules.OperatorFiles), "src/Operator", ChartRules.OperatorFiles);
    }

    [Fact]
    public void ReceiverRules_GrantExactlyWhatTheReceiverCalls()
    {
        var used = KubernetesCallScanner.Permissions(KubernetesCallScanner.Scan(Receiver));

        AssertSame(used, ChartRules.Granted(ChartRules.ReceiverFiles), "src/Webhook", ChartRules.ReceiverFiles);
    }

    [Fact]
    public void Scan_OfTheReceiver_FollowsTheSharedClientIntoOnlyTheMethodsItReaches()
    {
        var used = KubernetesCallScanner.Permissions(KubernetesCallScanner.Scan(Receiver)).Keys.ToList();

        // The receiver reads runs through the shared CustomResourceClient, which can also list, watch and delete.
        Assert.Contains(new ApiPermission("loratrainer.io", "trainingruns", "get"), used);
        Assert.Contains(new ApiPermission("loratrainer.io", "trainingruns/status", "patch"), used);
        Assert.DoesNotContain(used, p => p.Verb is "list" or "watch" or "delete" or "create");
    }

    [Fact]
    public void Scan_OfTheOperator_FindsLeaderElectionEventsAndTheStartupCheck()
    {
        var used = KubernetesCallScanner.Permissions(KubernetesCallScanner.Scan(Operator)).Keys.ToList();

        Assert.Contains(new ApiPermission("coordination.k8s.io", "leases", "update"), used);
        Assert.Contains(new ApiPermission("", "events", "create"), used);
        Assert.Contains(new ApiPermission("apiextensions.k8s.io", "customresourcedefinitions", "get"), used);
        Assert.Contains(new ApiPermission("loratrainer.io", "trainingruns", "watch"), used);
    }

    [Fact]
    public void Rules_NeverUseWildcards()
    {
        var rules = ChartRules.Rules([.. ChartRules.OperatorFiles, .. ChartRules.ReceiverFiles]).ToList();

        Assert.All(rules, rule => Assert.DoesNotContain("*", ChartRules.Strings(rule, "verbs").Concat(ChartRules.Strings(rule, "resources")).Concat(ChartRules.Strings(rule, "apiGroups"))));
    }

    [Fact]
    public void ClusterWideReads_AreLimitedToTheTrainingRunCrdAndTheLease()
    {
        var crdRule = Assert.Single(ChartRules.Rules(["rbac/operator-cluster.yaml"]));
        var leaseRules = ChartRules.Rules(["rbac/operator-leader-election.yaml"]).ToList();

        Assert.Equal(["trainingruns.loratrainer.io"], ChartRules.Strings(crdRule, "resourceNames"));
        Assert.All(leaseRules.Where(rule => ChartRules.Strings(rule, "verbs").Any(verb => verb != "create")),
            rule => Assert.Equal(["{{ include \"lora-trainer.leaseName\" . }}"], ChartRules.Strings(rule, "resourceNames")));
    }

    private static void AssertSame(IReadOnlyDictionary<ApiPermission, KubernetesCall> used, IReadOnlySet<ApiPermission> granted, string source, string[] files)
    {
        var missing = used.Keys.Where(permission => !granted.Contains(permission)).Select(permission => $"  {permission}   (called by {used[permission]})").ToList();
        var unused = granted.Where(permission => !used.ContainsKey(permission)).Order().Select(permission => $"  {permission}").ToList();

        Assert.True(missing.Count == 0 && unused.Count == 0,
            $"The chart's RBAC ({string.Join(", ", files.Select(f => $"{ChartFiles.Chart}/{f}"))}) differs from the Kubernetes calls in {source}." +
            (missing.Count == 0 ? "" : $"\nGrant these (the code calls them):\n{string.Join("\n", missing)}") +
            (unused.Count == 0 ? "" : $"\nRemove these (no code calls them):\n{string.Join("\n", unused)}") +
            "\nThen update the RBAC tables in docs/configuration.md.");
    }
}
