// Office documents for the system-converter tests, assembled at test time (no binary fixtures):
// a plain multi-page DOCX, an RTF, and the hostile ones — a DOCX that links an image on a URL
// (and carries a VBA project), an ODT with a remote OLE link, a linked image, a linked section
// and a Basic macro bound to the document's load event that fetches a URL. Every URL points at
// a loopback canary the test owns, so any leak is seen.
import { zip } from '../unit/convert-fixtures.js';

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
const CT = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`;
const ROOT_RELS = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`;
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A DOCX of `pages` pages (a heading and a few paragraphs each, a page break between). */
export function pagedDocx(pages: number, title = 'Quarterly report'): Promise<Buffer> {
  const para = (t: string): string => `<w:p><w:r><w:t xml:space="preserve">${esc(t)}</w:t></w:r></w:p>`;
  const body: string[] = [];
  for (let p = 1; p <= pages; p++) {
    // Each section starts a page (a page break run: LibreOffice ignores pageBreakBefore on a
    // paragraph whose style the package does not define) and fits on one.
    body.push(`<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr>${p > 1 ? '<w:r><w:br w:type="page"/></w:r>' : ''}<w:r><w:t>${esc(`${title} — section ${p}`)}</w:t></w:r></w:p>`);
    for (let i = 0; i < 5; i++) body.push(para(`Paragraph ${i + 1} of section ${p}. `.repeat(8)));
  }
  return zip([
    { name: '[Content_Types].xml', data: CT },
    { name: '_rels/.rels', data: ROOT_RELS },
    { name: 'word/document.xml', data: `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="${W}"><w:body>${body.join('')}</w:body></w:document>` },
  ]);
}

export function rtf(text: string): Buffer {
  return Buffer.from(`{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Helvetica;}}\\f0\\fs24 ${text.replace(/[\\{}]/g, '')}\\par}`, 'latin1');
}

/** A DOCX whose image is linked (TargetMode External) to `url`, with a VBA project part. */
export function docxLinkingImage(url: string): Promise<Buffer> {
  const doc = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="${W}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><w:body>
<w:p><w:r><w:t>A document with a linked picture</w:t></w:r></w:p>
<w:p><w:r><w:drawing><wp:inline><wp:extent cx="952500" cy="952500"/><wp:docPr id="1" name="Picture 1"/><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr><pic:cNvPr id="1" name="t.png"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:link="rIdImg"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="952500" cy="952500"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>
</w:body></w:document>`;
  return zip([
    { name: '[Content_Types].xml', data: CT },
    { name: '_rels/.rels', data: ROOT_RELS },
    { name: 'word/_rels/document.xml.rels', data: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdImg" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="${esc(url)}" TargetMode="External"/><Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>` },
    { name: 'word/document.xml', data: doc },
    // Not a working VBA project (LibreOffice would not run one from a .docx anyway): its presence is what is reported.
    { name: 'word/vbaProject.bin', data: Buffer.alloc(512, 0) },
  ]);
}

/**
 * An ODT that reaches out four ways: a linked OLE object, a linked image and a linked section on
 * `base`, and a Basic macro bound to the load event that asks for `${base}macro`.
 */
export function odtReachingOut(base: string): Promise<Buffer> {
  const ns = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" xmlns:ooo="http://openoffice.org/2004/office"';
  const content = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-content ${ns} office:version="1.3">
<office:scripts><office:event-listeners><script:event-listener script:language="ooo:script" script:event-name="dom:load" xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic&amp;location=document" xlink:type="simple"/></office:event-listeners></office:scripts>
<office:body><office:text>
<text:p>A document that reaches out.</text:p>
<text:p><draw:frame draw:name="Object1" svg:width="4cm" svg:height="3cm" text:anchor-type="paragraph"><draw:object xlink:href="${esc(base)}ole" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/></draw:frame></text:p>
<text:p><draw:frame draw:name="Image1" svg:width="2cm" svg:height="2cm" text:anchor-type="paragraph"><draw:image xlink:href="${esc(base)}image.png" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/></draw:frame></text:p>
<text:section text:name="Linked"><text:section-source xlink:href="${esc(base)}section.odt" xlink:type="simple" xlink:show="embed"/><text:p>cached</text:p></text:section>
</office:text></office:body></office:document-content>`;
  const module = `<?xml version="1.0" encoding="UTF-8"?>
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">Sub Main
  Dim sfa As Object
  sfa = CreateUnoService("com.sun.star.ucb.SimpleFileAccess")
  sfa.exists("${esc(base)}macro")
End Sub
</script:module>`;
  const manifest = `<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
<manifest:file-entry manifest:full-path="Basic/script-lc.xml" manifest:media-type="text/xml"/>
<manifest:file-entry manifest:full-path="Basic/Standard/script-lb.xml" manifest:media-type="text/xml"/>
<manifest:file-entry manifest:full-path="Basic/Standard/Module1.xml" manifest:media-type="text/xml"/>
</manifest:manifest>`;
  return zip([
    { name: 'mimetype', data: 'application/vnd.oasis.opendocument.text', compress: false },
    { name: 'META-INF/manifest.xml', data: manifest },
    { name: 'content.xml', data: content },
    { name: 'Basic/script-lc.xml', data: `<?xml version="1.0" encoding="UTF-8"?><library:libraries xmlns:library="http://openoffice.org/2000/library" xmlns:xlink="http://www.w3.org/1999/xlink"><library:library library:name="Standard" library:link="false"/></library:libraries>` },
    { name: 'Basic/Standard/script-lb.xml', data: `<?xml version="1.0" encoding="UTF-8"?><library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" library:readonly="false" library:passwordprotected="false"><library:element library:name="Module1"/></library:library>` },
    { name: 'Basic/Standard/Module1.xml', data: module },
  ]);
}

/** An SVG pointing at `url` three ways (xlink:href image, CSS url(), an external entity) plus a local file. */
export function svgReachingOut(url: string): Buffer {
  return Buffer.from(`<?xml version="1.0"?>
<!DOCTYPE svg [ <!ENTITY ext SYSTEM "${url}entity"> ]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="120" height="80">
<style>rect.bg { fill: url(${url}fill.svg#p); }</style>
<rect width="120" height="80" fill="#2a7"/>
<rect class="bg" x="10" y="10" width="20" height="20"/>
<image xlink:href="${url}image.png" width="40" height="40"/>
<image href="file:///etc/hostname" x="50" width="40" height="40"/>
<text x="5" y="70">&ext;</text>
</svg>
`);
}
