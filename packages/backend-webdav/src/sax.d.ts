// The part of sax's API the multistatus reader uses (sax ships no types; @types/sax is not a dependency).
declare module 'sax' {
  export interface QualifiedTag {
    name: string;
    local: string;
    uri: string;
  }
  export interface SAXParser {
    onopentag: (tag: QualifiedTag) => void;
    onclosetag: (name: string) => void;
    ontext: (text: string) => void;
    oncdata: (text: string) => void;
    onerror: (error: Error) => void;
    write(text: string): SAXParser;
    close(): SAXParser;
  }
  export function parser(strict: boolean, options: { xmlns: true; strictEntities?: boolean }): SAXParser;
  const sax: { parser: typeof parser };
  export default sax;
}
