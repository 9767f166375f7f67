/**
 * File extensions link rules skip by default: links to binary files (archives, images, audio, video, office
 * documents…) that a crawl for pages would only download to throw away. Scrapy's LinkExtractor IGNORED_EXTENSIONS.
 */

/** Scrapy's list, by kind. */
const byKind = {
  archives: '7z 7zip bz2 rar tar tar.gz xz zip',
  images: 'mng pct bmp gif jpg jpeg png pst psp tif tiff ai drw dxf eps ps svg cdr ico webp',
  audio: 'mp3 wma ogg wav ra aac mid au aiff',
  video: '3gp asf asx avi mov mp4 mpg qt rm swf wmv m4a m4v flv webm',
  office:
    'xls xlsm xlsx xltm xltx potm potx ppt pptm pptx pps doc docb docm docx dotm dotx odt ods odg odp',
  other: 'css pdf exe bin rss dmg iso apk jar sh rb js hqx',
};

/** The default `denyExtensions` of a link rule, without dots. Spread it to extend it: `[...ignoredExtensions, 'csv']`. */
export const ignoredExtensions: readonly string[] = Object.freeze(
  Object.values(byKind).flatMap((list) => list.split(' ')),
);

/**
 * A test for URLs whose path ends in one of `extensions` (with or without their dot, any case; `tar.gz` matches
 * `a.tar.gz`), or undefined for an empty list. The query and fragment do not count: `/report.pdf?x=1` is a PDF.
 */
export function extensionTest(
  extensions: readonly string[],
): ((url: string) => boolean) | undefined {
  if (extensions.length === 0) return undefined;
  const wanted = new Set(extensions.map((extension) => extension.replace(/^\./, '').toLowerCase()));
  return (url) => {
    const name = lastSegment(url);
    // Every suffix after a dot: "a.tar.gz" tries "tar.gz", then "gz".
    for (let dot = name.indexOf('.'); dot !== -1; dot = name.indexOf('.', dot + 1)) {
      if (wanted.has(name.slice(dot + 1))) return true;
    }
    return false;
  };
}

/**
 * The last path segment of an absolute URL, lower-cased, without query or fragment; '' when the URL has no path.
 * Read from the string, not with new URL(): rules test every link of every page they read.
 */
function lastSegment(url: string): string {
  const scheme = url.indexOf('://');
  if (scheme === -1) return '';
  const pathStart = url.slice(scheme + 3).search(/[/?#]/) + scheme + 3;
  // No path at all ("http://host", "http://host?q"): the host's name is not a file name.
  if (pathStart < scheme + 3 || url[pathStart] !== '/') return '';
  let end = url.length;
  const query = url.indexOf('?', pathStart);
  if (query !== -1) end = query;
  const fragment = url.indexOf('#', pathStart);
  if (fragment !== -1 && fragment < end) end = fragment;
  return url.slice(url.lastIndexOf('/', end - 1) + 1, end).toLowerCase();
}
