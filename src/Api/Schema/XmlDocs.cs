using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace LoraTrainer.Api.Schema;

/// <summary>Reads the summaries of the compiled XML documentation so CRD descriptions come from the doc comments.</summary>
internal sealed partial class XmlDocs
{
    private readonly Dictionary<string, string> _summaries;

    private XmlDocs(Dictionary<string, string> summaries) => _summaries = summaries;

    /// <summary>Loads the documentation file that sits next to <paramref name="assembly"/>.</summary>
    [RequiresAssemblyFiles("Reads the documentation file beside the assembly.")]
    public static XmlDocs For(Assembly assembly)
    {
        var path = Path.ChangeExtension(assembly.Location, ".xml");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"XML documentation for {assembly.GetName().Name} not found at {Path.GetFileName(path)}; build with GenerateDocumentationFile");
        }

        var summaries = XDocument.Load(path).Descendants("member")
            .Where(m => m.Element("summary") is not null)
            .ToDictionary(m => (string)m.Attribute("name")!, m => Clean(m.Element("summary")!));
        return new XmlDocs(summaries);
    }

    /// <summary>The summary of a property, or null.</summary>
    public string? Of(PropertyInfo property) =>
        _summaries.GetValueOrDefault($"P:{property.DeclaringType!.FullName}.{property.Name}");

    /// <summary>The summary of a type, or null.</summary>
    public string? Of(Type type) => _summaries.GetValueOrDefault($"T:{type.FullName}");

    private static string Clean(XElement summary)
    {
        foreach (var cref in summary.Descendants("see").ToList())
        {
            var name = ((string?)cref.Attribute("cref"))?.Split('.', ':').Last() ?? "";
            cref.ReplaceWith(new XText(name));
        }

        var text = string.Concat(summary.Nodes().Select(n => n is XElement e ? e.Value : n.ToString()));
        return Whitespace().Replace(System.Net.WebUtility.HtmlDecode(text), " ").Trim();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
