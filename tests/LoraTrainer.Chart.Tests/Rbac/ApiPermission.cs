namespace LoraTrainer.Chart.Tests.Rbac;

/// <summary>One RBAC grant: a verb on a resource (or <c>resource/subresource</c>) of an API group.</summary>
internal sealed record ApiPermission(string Group, string Resource, string Verb) : IComparable<ApiPermission>
{
    public int CompareTo(ApiPermission? other) => string.CompareOrdinal(ToString(), other?.ToString());

    public override string ToString() => $"{(Group.Length == 0 ? "core" : Group)}/{Resource}: {Verb}";
}
