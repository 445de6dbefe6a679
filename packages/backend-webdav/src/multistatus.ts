import sax from 'sax';

/** The properties of one `<response>` a listing reads, from its propstats whose status is 2xx. */
export interface ResponseProps {
  collection: boolean;
  getcontentlength?: string;
  getlastmodified?: string;
  getetag?: string;
}

/** One `<response>` of a 207 Multi-Status: its href, and its props (undefined when none was 2xx). */
export interface MultistatusResponse {
  href: string;
  props?: ResponseProps;
}

const DAV = 'DAV:';
const TEXT_PROPS = new Set(['getcontentlength', 'getlastmodified', 'getetag']);

/**
 * The responses of a PROPFIND answer (RFC 4918, 14.16), read as a stream of tags. Elements are told
 * by namespace (`DAV:`), not by prefix; a response's propstats are merged where their status is
 * 2xx, in whatever order the server sends them (404s for props it lacks come first on some servers).
 * Only XML's own entities are expanded, and no DTD is read. Malformed XML, or another document, throws.
 */
export function readMultistatus(xml: string): MultistatusResponse[] {
  const parser = sax.parser(true, { xmlns: true, strictEntities: true });
  const responses: MultistatusResponse[] = [];
  /** The DAV: local names of the open elements, outermost first ('' for any other namespace). */
  const open: string[] = [];
  let response: { href: string; ok: ResponseProps[] } | undefined;
  let propstat: { status: string; props: ResponseProps } | undefined;
  let text: string | undefined;
  let root: string | undefined;
  let failure: Error | undefined;

  // Kept, not thrown from here: close() reports some (an answer cut short) only through this.
  parser.onerror = (error) => {
    failure ??= error;
  };
  parser.onopentag = (tag) => {
    const name = tag.uri === DAV ? tag.local : '';
    const parent = open.at(-1);
    root ??= name;
    open.push(name);
    if (name === 'response' && parent === 'multistatus') response = { href: '', ok: [] };
    else if (!response) return;
    else if (name === 'propstat' && parent === 'response')
      propstat = { status: '', props: { collection: false } };
    else if ((name === 'href' && parent === 'response') || (name === 'status' && parent === 'propstat'))
      text = '';
    else if (propstat && parent === 'prop' && TEXT_PROPS.has(name)) text = '';
    else if (propstat && name === 'collection' && parent === 'resourcetype') propstat.props.collection = true;
  };
  parser.ontext = (chunk) => {
    if (text !== undefined) text += chunk;
  };
  parser.oncdata = parser.ontext;
  parser.onclosetag = () => {
    const name = open.pop();
    const parent = open.at(-1);
    if (text !== undefined && response) {
      if (name === 'href' && parent === 'response') response.href = text.trim();
      else if (name === 'status' && propstat) propstat.status = text;
      else if (propstat && name && TEXT_PROPS.has(name)) propstat.props[name as 'getetag'] = text.trim();
      text = undefined;
    } else if (name === 'propstat' && response && propstat) {
      // `HTTP/1.1 200 OK`: the props it holds are the resource's; 404 and the rest list props it lacks.
      if (/^\s*HTTP\/[\d.]+\s+2\d\d\b/.test(propstat.status)) response.ok.push(propstat.props);
      propstat = undefined;
    } else if (name === 'response' && response) {
      const props = response.ok.length > 0 ? Object.assign({}, ...response.ok) : undefined;
      if (props) props.collection = response.ok.some((p) => p.collection);
      responses.push({ href: response.href, ...(props ? { props } : {}) });
      response = undefined;
    }
  };
  try {
    parser.write(xml).close();
  } catch (error) {
    failure ??= error as Error;
  }
  if (failure)
    throw new Error(`the answer to PROPFIND is not well-formed XML: ${failure.message.split('\n')[0]}`);
  if (root !== 'multistatus') throw new Error('the answer to PROPFIND is not a DAV: multistatus document');
  return responses;
}
