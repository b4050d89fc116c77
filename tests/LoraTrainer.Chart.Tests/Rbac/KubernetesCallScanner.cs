using System.Reflection;
using System.Runtime.CompilerServices;
using k8s;

namespace LoraTrainer.Chart.Tests.Rbac;

/// <summary>A KubernetesClient member the product calls, and one product method that calls it.</summary>
internal sealed record KubernetesCall(MethodBase Member, MethodBase Caller)
{
    public override string ToString() => $"{Member.DeclaringType?.Name}.{Member.Name} from {Caller.DeclaringType?.FullName}.{Caller.Name}";
}

/// <summary>
/// Finds every KubernetesClient member a process can call: starting from every method of the process's assembly, it
/// follows calls, delegates and async/iterator state machines into the other product assemblies (LoraTrainer.*),
/// method by method, so a shared client counts only with the methods the process really reaches.
/// </summary>
internal static class KubernetesCallScanner
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>The calls into KubernetesClient reachable from <paramref name="process"/>.</summary>
    public static IReadOnlyList<KubernetesCall> Scan(Assembly process)
    {
        var client = typeof(IKubernetes).Assembly;
        var calls = new List<KubernetesCall>();
        var seen = new HashSet<MethodBase>();
        var pending = new Queue<MethodBase>();
        void Visit(MethodBase method)
        {
            if (seen.Add(method))
            {
                pending.Enqueue(method);
            }
        }

        foreach (var type in process.GetTypes())
        {
            MembersOf(type).ToList().ForEach(Visit);
        }

        while (pending.TryDequeue(out var method))
        {
            if (method.GetCustomAttribute<StateMachineAttribute>() is { } stateMachine)
            {
                MembersOf(stateMachine.StateMachineType).ToList().ForEach(Visit);
            }

            foreach (var callee in IlCalls.Of(method))
            {
                var assembly = callee.DeclaringType?.Assembly;
                if (assembly == client)
                {
                    calls.Add(new KubernetesCall(callee, method));
                }
                else if (assembly?.GetName().Name?.StartsWith("LoraTrainer.", StringComparison.Ordinal) == true)
                {
                    if (KubernetesApiCalls.IsOwnRequest(callee))
                    {
                        calls.Add(new KubernetesCall(callee, method));
                    }

                    // The open definition: its body is where the calls are, whatever the type arguments.
                    Visit(callee.Module.ResolveMethod(callee.MetadataToken)!);
                    if (callee.DeclaringType!.TypeInitializer is { } staticConstructor)
                    {
                        Visit(staticConstructor);
                    }
                }
            }
        }

        return calls;
    }

    /// <summary>The permissions the calls need, each with the first caller found (for messages).</summary>
    public static IReadOnlyDictionary<ApiPermission, KubernetesCall> Permissions(IEnumerable<KubernetesCall> calls)
    {
        var result = new SortedDictionary<ApiPermission, KubernetesCall>();
        foreach (var call in calls)
        {
            foreach (var permission in KubernetesApiCalls.PermissionsFor(call.Member))
            {
                result.TryAdd(permission, call);
            }
        }

        return result;
    }

    private static IEnumerable<MethodBase> MembersOf(Type type) =>
        type.GetMethods(Declared).Cast<MethodBase>()
            .Concat(type.GetConstructors(Declared))
            .Where(method => !method.IsAbstract);
}
