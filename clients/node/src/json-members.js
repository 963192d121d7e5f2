// JSON.parse resolves a duplicate member last-wins; another parser (the issuer's, another API's) might
// take the first. A token whose header or payload names a member twice is refused, as in .NET.

/** Whether any object in this JSON text names a member twice. Malformed text answers true (refuse). */
export function hasDuplicateMembers(text) {
  const stack = []; // per open container: a Set of member names (objects) or null (arrays)
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') {
        end += text[end] === '\\' ? 2 : 1;
      }

      if (end >= text.length) return true;
      const top = stack.at(-1);
      if (expectKey && top instanceof Set) {
        let name;
        try {
          name = JSON.parse(text.slice(i, end + 1));
        } catch {
          return true;
        }

        if (top.has(name)) return true;
        top.add(name);
        expectKey = false;
      }

      i = end;
    } else if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      stack.push(null);
      expectKey = false;
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectKey = false;
    } else if (c === ',') {
      expectKey = stack.at(-1) instanceof Set;
    }
  }

  return stack.length !== 0;
}
