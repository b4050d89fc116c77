using System.Reflection;
using System.Reflection.Emit;

namespace LoraTrainer.Chart.Tests.Rbac;

/// <summary>The methods one method's IL calls, constructs or takes a delegate to (call, callvirt, newobj, ldftn, ldvirtftn).</summary>
internal static class IlCalls
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value);

    /// <summary>Every method referenced by <paramref name="method"/>'s body; tokens that cannot be resolved are skipped.</summary>
    public static IEnumerable<MethodBase> Of(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var typeArguments = method.DeclaringType is { IsGenericType: true } type ? type.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var position = 0;
        while (position < il.Length)
        {
            var value = (short)il[position++];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[position++]);
            }

            var code = OpCodesByValue[value];
            if (code.OperandType == OperandType.InlineMethod && Resolve(method.Module, BitConverter.ToInt32(il, position), typeArguments, methodArguments) is { } callee)
            {
                yield return callee;
            }

            position += OperandSize(code.OperandType, il, position);
        }
    }

    private static MethodBase? Resolve(Module module, int token, Type[]? typeArguments, Type[]? methodArguments)
    {
        try
        {
            return module.ResolveMethod(token, typeArguments, methodArguments);
        }
        catch (Exception ex) when (ex is ArgumentException or BadImageFormatException or FileNotFoundException or TypeLoadException or MissingMethodException)
        {
            // A reference into an assembly that is not deployed with the product (an optional SDK dependency): no Kubernetes call.
            return null;
        }
    }

    private static int OperandSize(OperandType type, byte[] il, int position) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, position)),
        _ => 4,
    };
}
