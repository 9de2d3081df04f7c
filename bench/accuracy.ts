export async function accuracy(_a: string[], _o: (l: string) => void, _l: (l: string) => void): Promise<void> {}
