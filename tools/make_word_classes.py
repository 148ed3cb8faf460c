#!/usr/bin/env python3
"""Writes resources/vocabulary/wordnet_classes.json from WordNet 3.0 (Debian's wordnet-base).

Two kinds of class, both word lists (lower case, tokenizer-independent):

Membership rule: a word stands for its most frequent sense over all parts of speech, by the
tagged counts of cntlist.rev; a word without tagged senses takes its first listed sense (nouns
before verbs, adjectives, adverbs). Then

* Lexicographer categories (lexnames(5WN)): the word joins the category of that sense, so each
  word is in exactly one category, the one its most common meaning names.
* Hypernym sets (weekdays, body parts, ...): the word joins when that sense is a noun under the
  set's root synset (a hyponym at any depth; for names of places, also an instance).

So "small" is not a body part (its adjective sense is the common one) and "red" is not on a
WordNet list at all (colour names are a hand-written class). Untagged words of three letters
or fewer (mostly abbreviations: "ak", "sat") and untagged irregular forms of other words
("sent", "lower") join nothing.

Only single words of letters are kept (no phrases such as "day_of_the_week", no hyphens or
digits): a token's whole word is what a class is judged on. Words of the hand-written closed
classes (resources/vocabulary/closed_classes.json) are left out of both kinds: WordNet has
no pronouns, determiners, prepositions or conjunctions, so its senses for them are rare ones
("may" the month, "can" the container, "will" the document).

Usage: tools/make_word_classes.py [/usr/share/wordnet] > resources/vocabulary/wordnet_classes.json
"""
import collections
import json
import os
import re
import sys

WN = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wordnet"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POS = [("noun", "n", 1), ("verb", "v", 2), ("adj", "a", 3), ("adv", "r", 4)]
WORD = re.compile(r"^[a-z]{2,24}$")

# lexnames(5WN): number -> (name, label of at most five words, noun phrase for one member).
# None: a category too broad to state a meaning (all adjectives, all adverbs, top nouns).
LEXNAMES = [
    ("adj.all", None, None), ("adj.pert", "relational adjectives", "an adjective of relation (such as 'musical')"),
    ("adv.all", None, None), ("noun.Tops", None, None),
    ("noun.act", "words for acts", "a noun for an act or action"),
    ("noun.animal", "animals", "an animal"),
    ("noun.artifact", "man-made objects", "a man-made object"),
    ("noun.attribute", "attributes and qualities", "a noun for an attribute or quality"),
    ("noun.body", "body words", "a part or state of the body"),
    ("noun.cognition", "thought and knowledge", "a noun for thought or knowledge"),
    ("noun.communication", "communication words", "a noun for communication (speech, writing, signs)"),
    ("noun.event", "events", "a noun for an event"),
    ("noun.feeling", "feelings", "a noun for a feeling or emotion"),
    ("noun.food", "food and drink", "a food or drink"),
    ("noun.group", "groups of things", "a noun for a group or collection"),
    ("noun.location", "places", "a place or location"),
    ("noun.motive", "goals and motives", "a noun for a goal or motive"),
    ("noun.object", "natural objects", "a natural object (not man-made)"),
    ("noun.person", "people", "a noun for a person"),
    ("noun.phenomenon", "natural phenomena", "a natural phenomenon"),
    ("noun.plant", "plants", "a plant"),
    ("noun.possession", "possession and money", "a noun for possession or money"),
    ("noun.process", "processes", "a natural process"),
    ("noun.quantity", "quantities and units", "a quantity or unit"),
    ("noun.relation", "relations", "a noun for a relation between things"),
    ("noun.shape", "shapes", "a shape"),
    ("noun.state", "states and conditions", "a noun for a state or condition"),
    ("noun.substance", "substances", "a substance"),
    ("noun.time", "time words", "a word for a time or period"),
    ("verb.body", "verbs of the body", "a verb of grooming, dressing or bodily care"),
    ("verb.change", "verbs of change", "a verb of change"),
    ("verb.cognition", "verbs of thinking", "a verb of thinking or knowing"),
    ("verb.communication", "verbs of communicating", "a verb of telling or asking"),
    ("verb.competition", "verbs of competing", "a verb of fighting or competing"),
    ("verb.consumption", "verbs of eating", "a verb of eating or drinking"),
    ("verb.contact", "verbs of touching", "a verb of touching or hitting"),
    ("verb.creation", "verbs of making", "a verb of making or performing"),
    ("verb.emotion", "verbs of feeling", "a verb of feeling"),
    ("verb.motion", "verbs of motion", "a verb of walking, flying or moving"),
    ("verb.perception", "verbs of perceiving", "a verb of seeing, hearing or feeling"),
    ("verb.possession", "verbs of having", "a verb of buying, selling or owning"),
    ("verb.social", "verbs of social life", "a verb of social relations"),
    ("verb.stative", "verbs of being", "a verb of being or having"),
    ("verb.weather", "weather verbs", "a verb of weather (rain, snow)"),
    ("adj.ppl", None, None),
]

# Hypernym sets: id, label, noun phrase, root synsets (offset in data.noun, with its lemma to
# check that the offset is the synset meant), and whether instances count (names of countries
# are instances of "country"; "Abraham" is an instance of a patriarch, not a kinship term).
HYPERNYM_SETS = [
    ("weekday", False, "weekday names", "the name of a day of the week", [("15163005", "day_of_the_week")]),
    ("month", False, "month names", "the name of a month", [("15209413", "calendar_month")]),
    ("unit", False, "units of measure", "a unit of measure", [("13583724", "unit_of_measurement")]),
    ("body_part", False, "body parts", "a part of the body", [("05220461", "body_part")]),
    ("kinship", False, "kinship terms", "a word for a relative", [("10235549", "relative")]),
    ("profession", False, "professions and trades", "a profession or trade",
     [("10480253", "professional"), ("09632518", "worker")]),
    ("country", True, "country names", "the name of a country", [("08544813", "country"), ("08168978", "state")]),
    ("city", True, "city names", "the name of a city", [("08524735", "city")]),
    ("us_state", True, "US state names", "the name of a US state", [("08655464", "American_state")]),
    ("language", False, "language names", "the name of a language", [("06904171", "natural_language")]),
    ("element", False, "chemical elements", "a chemical element", [("14622893", "chemical_element")]),
    ("sport", False, "sports", "a sport", [("00523513", "sport")]),
    ("instrument", False, "musical instruments", "a musical instrument", [("03800933", "musical_instrument")]),
    ("vehicle", False, "vehicles", "a vehicle", [("04524313", "vehicle")]),
    ("clothing", False, "clothing", "an item of clothing", [("03051540", "clothing")]),
    ("emotion", False, "emotions", "an emotion", [("07480068", "emotion")]),
    ("disease", False, "diseases", "a disease", [("14070360", "disease")]),
    ("building", False, "buildings", "a building", [("02913152", "building")]),
    ("furniture", False, "furniture", "a piece of furniture", [("03405725", "furniture")]),
    ("weapon", False, "weapons", "a weapon", [("04565375", "weapon")]),
]


def read_data(pos):
    """offset -> (lex_filenum, [words], [(symbol, offset)])"""
    synsets = {}
    with open(os.path.join(WN, "data." + pos), encoding="latin-1") as f:
        for line in f:
            if line.startswith("  "):
                continue
            fields = line.split("|")[0].split()
            offset, lexfile, n = fields[0], int(fields[1]), int(fields[3], 16)
            words = [fields[4 + 2 * i] for i in range(n)]
            i = 4 + 2 * n
            pointers = []
            for _ in range(int(fields[i])):
                symbol, target, tpos = fields[i + 1], fields[i + 2], fields[i + 3]
                if tpos == "n":
                    pointers.append((symbol, target))
                i += 4
            synsets[offset] = (lexfile, words, pointers)
    return synsets


def read_index(pos):
    """lemma -> [synset offsets, most frequent first]"""
    senses = {}
    with open(os.path.join(WN, "index." + pos), encoding="latin-1") as f:
        for line in f:
            if line.startswith("  "):
                continue
            fields = line.split()
            count = int(fields[2])
            senses[fields[0]] = fields[-count:]
    return senses


def sense_counts(index):
    """(lemma, pos, sense number) -> tagged count, from cntlist.rev."""
    counts = {}
    pos_of = {1: "noun", 2: "verb", 3: "adj", 4: "adv", 5: "adj"}
    with open(os.path.join(WN, "cntlist.rev"), encoding="latin-1") as f:
        for line in f:
            key, number, count = line.split()
            lemma, rest = key.split("%")
            pos = pos_of[int(rest.split(":")[0])]
            k = (lemma.lower(), pos, int(number))
            counts[k] = counts.get(k, 0) + int(count)
    return counts


def inflected_forms():
    """Words that WordNet's exception lists give as irregular forms of another word."""
    forms = set()
    for pos, _, _ in POS:
        with open(os.path.join(WN, pos + ".exc"), encoding="latin-1") as f:
            for line in f:
                fields = line.split()
                if len(fields) >= 2 and fields[0] not in fields[1:]:
                    forms.add(fields[0])
    return forms


def main():
    closed_path = os.path.join(ROOT, "resources", "vocabulary", "closed_classes.json")
    closed = set()
    with open(closed_path, encoding="utf-8") as f:
        for c in json.load(f)["classes"]:
            closed.update(w.lower() for w in c["members"])

    data = {pos: read_data(pos) for pos, _, _ in POS}
    index = {pos: read_index(pos) for pos, _, _ in POS}
    counts = sense_counts(index)
    irregular = inflected_forms()

    # Every word's most frequent sense (pos, synset offset).
    sense = {}
    lemmas = set()
    for pos, _, _ in POS:
        lemmas.update(index[pos])
    for lemma in lemmas:
        if not WORD.match(lemma) or lemma in closed:
            continue
        best, first = None, None
        for pos, _, _ in POS:
            for number, offset in enumerate(index[pos].get(lemma, []), start=1):
                if first is None:
                    first = (pos, offset)
                c = counts.get((lemma, pos, number), 0)
                if c > 0 and (best is None or c > best[0]):
                    best = (c, pos, offset)
        # Short untagged words are mostly abbreviations ("ak", "sat"); untagged irregular
        # forms of other words ("sent", "lower") mostly mean the word they inflect.
        if not best and (len(lemma) <= 3 or lemma in irregular):
            continue
        sense[lemma] = (best[1], best[2]) if best else first

    category = {}
    for lemma, (pos, offset) in sense.items():
        lexfile = data[pos][offset][0]
        if LEXNAMES[lexfile][1]:
            category.setdefault(lexfile, []).append(lemma)

    # Hyponym closure (hyponyms "~" and instances "~i") of each root, over nouns.
    nouns = data["noun"]
    classes = []
    for set_id, instances, label, phrase, roots in HYPERNYM_SETS:
        members = set()
        stack = []
        for offset, lemma in roots:
            if lemma not in nouns[offset][1]:
                sys.exit(f"{set_id}: synset {offset} is not '{lemma}' but {nouns[offset][1]}")
            stack.append(offset)
        seen = set(stack)
        while stack:
            o = stack.pop()
            for symbol, target in nouns[o][2]:
                if (symbol == "~" or (instances and symbol == "~i")) and target not in seen:
                    seen.add(target)
                    stack.append(target)
        for lemma, (pos, offset) in sense.items():
            if pos == "noun" and offset in seen:
                members.add(lemma)
        classes.append({"id": set_id, "label": label, "description": phrase,
                        "source": "WordNet 3.0: words whose most frequent noun sense is under "
                                  + ", ".join(f"{l} ({o})" for o, l in roots),
                        "members": sorted(members)})
    for lexfile in sorted(category):
        name, label, phrase = LEXNAMES[lexfile]
        classes.append({"id": "wn:" + name, "label": label, "description": phrase,
                        "source": f"WordNet 3.0 lexicographer file {lexfile} ({name}): words whose most frequent sense is in it",
                        "members": sorted(category[lexfile])})

    out = {"about": "Word classes generated by tools/make_word_classes.py from WordNet 3.0 "
                    "(Debian package wordnet-base). Licence: resources/vocabulary/WORDNET-LICENSE.",
           "classes": classes}
    # One class per line: small diffs when the script changes.
    sys.stdout.write('{"about": ' + json.dumps(out["about"]) + ',\n "classes": [\n')
    sys.stdout.write(",\n".join(json.dumps(c, ensure_ascii=False) for c in classes))
    sys.stdout.write("\n]}\n")


if __name__ == "__main__":
    main()
