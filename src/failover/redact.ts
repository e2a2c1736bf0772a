/**
 * Removes e-mail addresses and phone numbers from a text meant for a terminal or a log (an error
 * message may quote a username, which is an e-mail in some pools).
 */
export function redactContacts(text: string): string {
  return text
    .replace(/[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+\.[^\s@"'<>(),;:]+/g, '<email>')
    .replace(/\+\d[\d\s().-]{6,}\d/g, '<phone>');
}
