using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Cel;

namespace LoraTrainer.Testing.Kubernetes.Validation;

/// <summary>CEL as kube-apiserver runs it for <c>x-kubernetes-validations</c>, on the Cel package.</summary>
/// <remarks>
/// The language is the Cel package's (operators, <c>has()</c>, the ternary, macros such as <c>all</c> and
/// <c>exists</c>, <c>size</c>, string functions); Kubernetes' extension libraries (<c>quantity</c>, <c>url</c>,
/// <c>lowerAscii</c>, …) are not there, and types are checked as the rule runs, not when the CRD is created, so a
/// misspelt function shows as an evaluation error. One difference from the package is corrected: <c>has(self.f)</c> is
/// true whenever the field is present, as for Kubernetes objects, even when its value is empty (<c>""</c>, <c>[]</c>,
/// <c>{}</c>), where the package follows protobuf's "set to a non-default value".
/// </remarks>
internal static partial class KubernetesCel
{
    private static readonly Lock Gate = new();
    private static readonly CelEnvironment Environment = CreateEnvironment();
    private static readonly ConcurrentDictionary<string, CelProgramDelegate> Programs = new(StringComparer.Ordinal);
    private static readonly Type? NoSuchField = typeof(CelEnvironment).Assembly.GetType("Cel.Internal.CelNoSuchField");

    /// <summary>The compiled expression (shared between CRDs with the same text).</summary>
    /// <exception cref="CelRuleException">The expression does not parse; the message says where.</exception>
    public static CelProgramDelegate Compile(string expression)
    {
        if (Programs.TryGetValue(expression, out var program))
        {
            return program;
        }

        try
        {
            using (Gate.EnterScope())
            {
                program = Environment.Compile(expression);
            }
        }
        catch (CelException e)
        {
            throw new CelRuleException(OneLine(e.Message), e);
        }
        catch (ArgumentException e)
        {
            throw new CelRuleException("the rule is empty", e);
        }

        return Programs.GetOrAdd(expression, program);
    }

    /// <summary>Runs <paramref name="program"/> with <c>self</c> (and <c>oldSelf</c> for a transition rule).</summary>
    /// <returns>The value, or the evaluation error in kube-apiserver's words (<c>no such key: family</c>; the key is not
    /// named when the absent field was passed to a function, as in <c>self.name.startsWith('p-')</c>).</returns>
    public static (object? Value, string? Error) Evaluate(CelProgramDelegate program, object? self, object? oldSelf, bool withOldSelf)
    {
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal) { ["self"] = self };
        if (withOldSelf)
        {
            variables["oldSelf"] = oldSelf;
        }

        try
        {
            var value = program(variables);
            return IsNoSuchField(value) ? (null, NoSuchKey(value!.GetType().GetProperty("Message")?.GetValue(value) as string)) : (value, null);
        }
        catch (CelException e)
        {
            return (null, e switch
            {
                CelNoSuchFieldException or CelTypeDoesNotSupportFieldSelectionException => NoSuchKey(e.Message),
                // The package hands an absent field on as a marker value, and only the function given it fails.
                _ when e.Message.Contains("CelNoSuchField", StringComparison.Ordinal) => "no such key",
                _ => OneLine(e.Message),
            });
        }
        catch (Exception e) when (e is InvalidCastException or InvalidOperationException or ArgumentException or NullReferenceException or KeyNotFoundException)
        {
            // The package reports some type mismatches with plain .NET exceptions.
            return (null, OneLine(e.Message));
        }
    }

    private static CelEnvironment CreateEnvironment()
    {
        var environment = new CelEnvironment(null, null);
        // Registered last, so it is found before the package's own has().
        environment.RegisterFunction("has", [typeof(object)], args => args.Length == 1 && args[0] is not null && !IsNoSuchField(args[0]));
        return environment;
    }

    private static bool IsNoSuchField(object? value) =>
        value is not null && (NoSuchField is null ? value.GetType().Name == "CelNoSuchField" : value.GetType() == NoSuchField);

    /// <summary><c>no such key: family</c>, as cel-go says it, from the package's "Cannot find … field 'family' …".</summary>
    private static string NoSuchKey(string? message) =>
        message is not null && FieldName().Match(message) is { Success: true } match ? $"no such key: {match.Groups[1].Value}" : OneLine(message ?? "no such key");

    private static string OneLine(string message) => string.Join(" ", message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    [GeneratedRegex("field '([^']+)'")]
    private static partial Regex FieldName();
}

/// <summary>A CEL rule that cannot be compiled.</summary>
internal sealed class CelRuleException(string message, Exception? innerException = null) : Exception(message, innerException);
