import { describe, expect, it } from 'vitest';
import { matchesKeywords, tokenize } from '../../../src/rules/text/keywords.js';
import { stemRu } from '../../../src/rules/text/stem.js';

describe('stemRu', () => {
  it.each([
    ['трансформатор', 'трансформатор'],
    ['трансформатора', 'трансформатор'],
    ['трансформаторов', 'трансформатор'],
    ['трансформаторами', 'трансформатор'],
    ['подстанция', 'подстанц'],
    ['подстанции', 'подстанц'],
    ['подстанцию', 'подстанц'],
    ['вакансия', 'ваканс'],
    ['вакансии', 'ваканс'],
    ['вакансию', 'ваканс'],
    ['резюме', 'резюм'],
    ['кабель', 'кабел'],
    ['кабеля', 'кабел'],
    ['кабельная', 'кабельн'],
    // Snowball reference outputs for verbs, adjectives, derivational and superlative endings.
    ['работать', 'работа'],
    ['красивейший', 'красив'],
    ['оборудованием', 'оборудован'],
    ['трудоустройства', 'трудоустройств'],
    ['Счёт', 'счет'],
  ])('%s → %s', (word, stem) => {
    expect(stemRu(word)).toBe(stem);
  });

  it('strips English plurals and possessives only', () => {
    expect(stemRu('Transformers')).toBe('transformer');
    expect(stemRu('boxes')).toBe('box');
    expect(stemRu('companies')).toBe('company');
    expect(stemRu("client's")).toBe('client');
    expect(stemRu('class')).toBe('class');
    expect(stemRu('bus')).toBe('bus');
  });

  it('leaves very short words and other scripts alone apart from case', () => {
    expect(stemRu('кВ')).toBe('кв');
    expect(stemRu('ΑΒΓ')).toBe('αβγ');
  });
});

describe('tokenize', () => {
  it('splits on anything that is not a letter, folding case and ё', () => {
    expect(tokenize('ТМ-1000/10 [b]Ёлка[/b], e-mail: a@b.ru')).toEqual(['тм', 'b', 'елка', 'b', 'e', 'mail', 'a', 'b', 'ru']);
  });
});

describe('matchesKeywords', () => {
  it('matches every form of a keyword', () => {
    for (const text of ['Трансформатор', 'ремонт трансформатора', 'Поставка трансформаторов', 'с трансформаторами']) {
      expect(matchesKeywords(text, ['трансформатор'])).toEqual(['трансформатор']);
    }
    for (const text of ['подстанция', 'Проект подстанции', 'строим ПОДСТАНЦИЮ']) {
      expect(matchesKeywords(text, ['подстанции'])).toEqual(['подстанции']);
    }
    for (const text of ['вакансия', 'на вакансии', 'Отклик на вакансию']) {
      expect(matchesKeywords(text, ['Вакансия'])).toEqual(['Вакансия']);
    }
    expect(matchesKeywords('Прошу рассмотреть резюме.', ['резюме'])).toEqual(['резюме']);
  });

  it('treats an adjective as a different word unless the keyword is a prefix (documented choice)', () => {
    expect(matchesKeywords('кабельная продукция', ['кабель'])).toEqual([]);
    expect(matchesKeywords('нужно 100 м кабеля', ['кабель'])).toEqual(['кабель']);
    expect(matchesKeywords('кабельная продукция', ['кабел*'])).toEqual(['кабел*']);
    expect(matchesKeywords('Кабель ВВГ', ['кабел*'])).toEqual(['кабел*']);
    expect(matchesKeywords('Трансформаторное масло', ['трансформатор'])).toEqual([]);
  });

  it('does not match inside a longer word', () => {
    expect(matchesKeywords('автотрансформатор', ['трансформатор'])).toEqual([]);
    expect(matchesKeywords('который час', ['кот'])).toEqual([]);
  });

  it('folds ё to е on both sides', () => {
    expect(matchesKeywords('Счет на оплату', ['счёт'])).toEqual(['счёт']);
    expect(matchesKeywords('Выставьте счёт', ['счет'])).toEqual(['счет']);
  });

  it('matches a multi-word keyword as consecutive words in any form', () => {
    expect(matchesKeywords('Нужна комплектная трансформаторная подстанция', ['трансформаторная подстанция']))
      .toEqual(['трансформаторная подстанция']);
    expect(matchesKeywords('проект трансформаторной подстанции 10 кВ', ['трансформаторная подстанция']))
      .toEqual(['трансформаторная подстанция']);
    expect(matchesKeywords('подстанция и трансформаторная будка', ['трансформаторная подстанция'])).toEqual([]);
    expect(matchesKeywords('Power transformers wanted', ['power transformer'])).toEqual(['power transformer']);
  });

  it('returns the matched keywords in keyword order, each once', () => {
    expect(matchesKeywords('Кабель и трансформатор, ещё трансформаторы', ['трансформатор', 'подстанция', 'кабель', 'трансформатор']))
      .toEqual(['трансформатор', 'кабель']);
  });

  it('ignores keywords without letters and empty texts', () => {
    expect(matchesKeywords('1000 кВА', ['1000', '  '])).toEqual([]);
    expect(matchesKeywords('', ['кабель'])).toEqual([]);
  });
});
