import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Parses SVG (or XHTML-compatible) markup with Foundation's XMLParser and records its
/// elements, so tests can count marks and read text.
final class SVGInspector: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text: String
        var depth: Int
        /// Index in ``SVGInspector/elements`` of the enclosing element (`nil` for the root).
        var parent: Int?
    }

    private(set) var elements: [Element] = []
    private var stack: [Int] = []
    private(set) var error: Error?

    /// Parses `markup`; `nil` when it is not well-formed XML.
    static func parse(_ markup: String) -> SVGInspector? {
        let inspector = SVGInspector()
        let parser = XMLParser(data: Data(markup.utf8))
        parser.delegate = inspector
        guard parser.parse(), inspector.error == nil else { return nil }
        return inspector
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append(Element(name: elementName, attributes: attributes, text: "", depth: stack.count, parent: stack.last))
        stack.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let top = stack.last { elements[top].text += string }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = parseError }

    var root: Element? { elements.first }

    func all(_ name: String, class cssClass: String? = nil) -> [Element] {
        elements.filter { $0.name == name && (cssClass == nil || $0.attributes["class"] == cssClass) }
    }

    func count(_ name: String, class cssClass: String? = nil) -> Int { all(name, class: cssClass).count }

    /// Elements named `name` anywhere inside a `<g>` of class `group`.
    func all(_ name: String, inGroup group: String) -> [Element] {
        elements.filter { element in
            guard element.name == name else { return false }
            var p = element.parent
            while let i = p {
                if elements[i].name == "g" && elements[i].attributes["class"] == group { return true }
                p = elements[i].parent
            }
            return false
        }
    }

    /// Every text element's content, in document order.
    var texts: [String] { all("text").map(\.text) }

    /// Every `<title>` element's content, in document order.
    var titles: [String] { all("title").map(\.text) }
}
