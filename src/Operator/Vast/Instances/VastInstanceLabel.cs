using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace LoraTrainer.Operator.Vast.Instances;

/// <summary>The label of every instance the operator rents: <c>loratrainer:&lt;cluster&gt;:&lt;run uid&gt;:&lt;attempt&gt;</c>.</summary>
/// <remarks>
/// The label is how an instance is found again when a create answer was lost, and how the orphan sweep
/// tells this cluster's instances from anything else on the account. One label per attempt.
/// </remarks>
internal sealed record VastInstanceLabel(string Cluster, string RunUid, int Attempt)
{
    /// <summary>The first segment of every label.</summary>
    public const string Product = "loratrainer";

    /// <summary>Vast's limit on label length.</summary>
    public const int MaxLength = 256;

    /// <summary>
    /// What a cluster name may be: lowercase letters, digits and dashes, at most 32 characters. With a run uid (36) and
    /// an attempt number the label stays far under <see cref="MaxLength"/>, and short enough to read in Vast's console.
    /// </summary>
    public const string ClusterNamePattern = "^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$";

    /// <summary>The prefix shared by all instances of one cluster.</summary>
    public static string ClusterPrefix(string cluster) => $"{Product}:{cluster}:";

    /// <summary>Reads a label; false for anything not written by <see cref="ToString"/> (other products, hand-made instances).</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out VastInstanceLabel? label)
    {
        label = null;
        var parts = text?.Trim().Split(':');
        if (parts is not [Product, var cluster, var uid, var attempt] || cluster.Length == 0 || uid.Length == 0
            || !int.TryParse(attempt, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 0)
        {
            return false;
        }

        label = new VastInstanceLabel(cluster, uid, number);
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Product}:{Cluster}:{RunUid}:{Attempt.ToString(CultureInfo.InvariantCulture)}";
}
