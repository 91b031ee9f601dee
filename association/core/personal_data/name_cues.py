"""What around a word says it is a person's name, and whose: the cue words, patterns and word
lists that names.py weighs a word by (split from it by meaning: this is the vocabulary of context,
names.py the reading). See names.py's docstring for how each is used.
"""

from __future__ import annotations

import re

_SEPARATORS = " \t\n,:-–"

WORD = re.compile(r"[A-Za-z][A-Za-z]*(?:['’\-][A-Za-z]+)*['’]?")

# Who a word right after these is: the noun ends the cue ("my foster son", "his birth mum", "our SSW").
# Only the noun is searched for (one pass over the text): the words before it ("my foster") add
# nothing but, for relatives, that someone's relative is meant (_FAMILY_BEFORE).
_CHILD = (
    r"(?:son|daughter|child|children|boy|girl|baby|lad|lass|toddler|teen|teenager|kid|kiddo|placement|"
    r"young\s+person|yp|lo|little\s+one|fs|fd|fc|grandson|granddaughter|niece|nephew|twins?)s?"
)
_FAMILY = (
    r"(?:mum|mom|mother|mam|dad|father|parents?|nan|nana|nanna|gran|granny|grandma|grandmother|grandad|"
    r"grandpa|grandfather|aunt|auntie|aunty|uncle|brother|sister|siblings?|cousin|family|step-?dad|step-?mum)"
)
_FAMILY_BEFORE = re.compile(
    r"\b(?:my|our|the|her|his|their|a|birth|real|biological|bio|natural|step|half|older|younger|"
    r"big|little|foster|child's|kids'?|children's)\s+$",
    re.IGNORECASE,
)
_WORKER = (
    r"(?:social\s+worker|sw|ssw|csw|fsw|iro|teacher|head\s?teacher|head|senco|worker|manager|"
    r"panel\s+chair|chair|therapist|camhs\s+worker|key\s?worker|nurse|gp|doctor|solicitor|guardian|"
    r"contact\s+supervisor|supervisor|officer|practitioner|tsw|personal\s+adviser)"
)
_WORKER_WITH_PREFIX = (
    r"(?:(?:my|our|the|her|his|their|a|an|new|old|supervising|child's|kids'?|link|family|team|duty|"
    r"deputy|senior|assistant|temporary|locum|cover|acting|independent|reviewing|designated)\s+)*" + _WORKER
)
_NAMING = r"(?:called|named|name\s+is|name's|known\s+as|goes\s+by)"
_ADVICE = (
    r"(?:advice|help|tips|ideas|worried|worrying|concerned|struggling|problems?|issues?|trouble|"
    r"update|news)\s+(?:about|with|for|re|regarding|on)"
)
# One pattern for every cue, found once per text (see _cues_by_position). British "our Tyler",
# "little Bedford" make a child of the house (checked further in find_names).
CUES = re.compile(
    rf"\b(?:(?P<family>{_FAMILY})|(?P<child>{_CHILD})|(?P<worker>{_WORKER})|(?P<naming>{_NAMING})|"
    rf"(?P<about>{_ADVICE})|(?P<our>our|little|lil))(?![\w'’])",
    re.IGNORECASE,
)
_CUE_KIND = {
    "family": "family",
    "child": "child",
    "worker": "worker",
    "naming": "child",
    "about": "about",
    "our": "our",
}
TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame)\.?[ \t]+")
# After a name: who the name is.
_RELATIVE = (
    r"(?:mum|mom|mother|mam|dad|father|parents?|nan|nana|nanna|gran|granny|grandma|grandmother|grandad|"
    r"grandpa|grandfather|aunt|auntie|aunty|uncle|brother|sister|siblings?|cousin|family)"
)
CHILD_AFTER = re.compile(
    r"^\s*[(,\-–]\s*(?:(?:our|my|his|her|their)\s+)?"
    r"(?:(?P<family>(?:birth|bio|biological|real|natural)\s+" + _RELATIVE + r")"
    r"|(?P<child>(?:(?:foster|adopted|eldest|youngest|oldest|middle|little|step|baby)\s+)*"
    r"(?:son|daughter|boy|girl|lad|lass|fs|fd|fc|yp|lo|placement|grandson|granddaughter|niece|nephew|little\s+one)))"
    r"(?![\w'’])",
    re.IGNORECASE,
)
CHILD_NOTE_AFTER = re.compile(
    r"^[^()\n]{0,50}\(\s*(?:our|my)\s+(?:foster\s+|adopted\s+|little\s+|youngest\s+|eldest\s+)?"
    r"(?:son|daughter|boy|girl|lad|lass|fs|fd|fc|child|placement|kid|baby|grandson|granddaughter)\s*\)",
    re.IGNORECASE,
)
WORKER_AFTER = re.compile(
    rf"^\s*[(,\-–]?\s*{_WORKER_WITH_PREFIX}(?![\w'’])"
    r"|^\s+(?:on|from|at|in)\s+(?:the\s+)?(?:duty|fostering|placements?|council|social\s+services|children'?s\s+services|"
    r"local\s+authority|la|edt|out\s+of\s+hours|emergency\s+duty|leaving\s+care|virtual\s+school|camhs|front\s+door)\b"
    r"|^\s*,\s*(?:a|an|one\s+of\s+our|our|the)\s+(?:\w+\s+)?(?:carer|foster\s+carer|fosterer|member|volunteer|trustee)\b"
    r"|^\s+from\s+the\s+(?:\w+\s+){1,2}(?:group|team|committee|coffee\s+morning)\b",
    re.IGNORECASE,
)
# "Preston's SW", "kayds school": things a child has.
CHILDS_THING = re.compile(
    r"^\s+(?:(?:new|old|current|last|first|own|birth|social|foster|class|key|primary|secondary)\s+)*"
    r"(?:sw|ssw|social\s+worker|iro|school|class|teacher|senco|contact(?!\s+(?:centre|center|point|team|details|number))|placement|pep|ehcp|lac\s+review|nursery|"
    r"foster\s+carers?|birth\s+(?:mum|dad|parents?|family|mother|father)|key\s?worker|bedroom|nappies|meds|"
    r"medication|diagnosis|behaviour|tantrums?|meltdowns?|nightmares|reading\s+age|weight|allergy|bro|sis|brother|"
    r"sister|siblings?)\b",
    re.IGNORECASE,
)
# What a child does: "tyler's been kicking off", "Hope has started wetting again".
CHILD_DOING = re.compile(
    r"^(?:['’]s)?(?:\s+(?:is|was|has|had|keeps|kept|been|still|always|just|started|starting|now|not|wont|won't|"
    r"keeps|again))*\s+(?:kicking|kicked|wetting|wet\s+the|refusing|refused|screaming|screamed|absconded|running\s+off|"
    r"ran\s+off|excluded|suspended|bitten|bullied|soiling|teething|biting|hitting|swearing|stealing|sleepwalking|"
    r"self[- ]harming|tantrums?|meltdowns?)\b",
    re.IGNORECASE,
)
# "Chelsea has been with us 2 years", "Alfie came to us at 3".
WITH_US = re.compile(
    r"^(?:['’]s)?(?:\s+(?:has|had|have|is|was|been|came|come|moved|went|living|lives|lived|staying|"
    r"stayed|placed|back|here|now|in|still|only))+\s+(?:with|to)\s+(?:us|me)\b",
    re.IGNORECASE,
)
# A person's doing, for names that are also words: "Faith had her first overnight", "May and her
# brother", "Grace has been chasing".
PERSON_AFTER = re.compile(
    r"^(?:['’]s)?\s+(?:(?:had|has|got|gets|took|takes|gave|gives|told|asked|loves|hates|wants|lost|made|and|&|n|with)"
    r"\s+(?:her|his)\b"
    r"|(?:is|was|has\s+been|had\s+been|keeps|kept|started|starts|been)\s+"
    r"(?!(?:coming|going|approaching|ending|looking|getting|being|nearly|always|starting|arriving|here)\b)[a-z]+ing\b)",
    re.IGNORECASE,
)
TOPIC_TITLE = re.compile(r"^\s+(?:and|&|vs?\.?)\s+(?:the|her|his|their|my)\s+(?-i:[a-z])", re.IGNORECASE)
# "Kendal's new contact centre": what a town has.
_TOWNS_THING = re.compile(
    r"^['’]s?\s+(?:[a-z]+\s+){0,2}(?:hub|centre|center|library|council|hospital|market|station|"
    r"park|museum|cathedral|shops|high\s+street|football|rugby|club|team|college|university|"
    r"leisure|pool|theatre|cinema|branch|office|offices|fostering\s+service|bypass|ring\s+road)\b"
)
# "the Hughes household", "the Okafors' family": a surname.
_FAMILY_AFTER = frozenset("household households family families twins clan".split())
AGE_AFTER = re.compile(
    r"^(?:['’]s)?\s*(?:\(\s*\d{1,2}\s*(?:yrs?|years?|y/?o|m|months)?\s*\)|,\s*\d{1,2}\s*(?:,|and\b|who\b|yrs?|years?)|"
    r"\s+\d{1,2}\s*(?:yrs?|years?|y/?o|months?)\b|"
    r"\s+(?:aged|age)\s+\d{1,2}|\s+who\s+is\s+\d{1,2}\b|\s+is\s+\d{1,2}\s+(?:now|next|this|and|,|\.|years?))",
    re.IGNORECASE,
)
AGE_BEFORE = re.compile(
    r"\b\d{1,2}\s?(?:-|\s)?(?:year|yr|month)s?(?:-|\s)?old[ \t]+|\b\d{1,2}\s?yo[ \t]+", re.IGNORECASE
)
PLACE_BEFORE = frozenset("in at from to near around towards into outside via of round for".split())
# Verbs that only people do: a word-name followed by one of them is a person ("Summer is refusing").
PERSON_VERBS = frozenset(
    """
said says told tells asked asks went goes loves loved hates hated wants wanted started starts refused refuses
refusing kicked kicking cried crying screamed screaming ran runs came comes lives lived moved moving smiled
laughed hit hits shouted shouting swore sweared slept sleeps sleeping ate eats eating wet wets wetting
settled settling settles struggles struggling struggled misses missed missing talks talked talking walked
walking played playing plays thinks thought knows knew feels felt seems seemed gets got keeps kept turned
turns absconded ran off disclosed discloses excluded suspended attends attended joined joins arrived arrives
left leaves loves enjoys enjoyed hugged hugs wrote writes drew draws sang sings danced dances stole steals
lied lies bit bites punched punches threw throws slammed won't can't doesn't didn't isn't wasn't wouldn't
couldn't
""".split()
)
# Auxiliaries: a name-first word ("tom", "tyler") in lower case followed by one is a person.
AUX_VERBS = frozenset("is was has had will would can could should did does isnt wasnt hasnt hadnt and".split())
_AUX_ONLY = AUX_VERBS - {"and"}
# Words after "our"/"little" that show the capitalised word before them is a person.
_OUR_NEXT = PERSON_VERBS | AUX_VERBS | frozenset("got gets has had is was and n".split())
NOT_NAME_AFTER = frozenset(
    """
street st road rd lane avenue close drive court crescent way place grove gardens terrace walk row square mews
park hill school primary academy nursery college hospital council centre center house trust team group fc
club church zoo services service borough county city united town foundation university ward surgery
""".split()
)
# Capitalised words that are never names here.
NEVER = frozenset(
    """
i i'm i've i'd i'll he she they we it the a an and but or is was has had who when then so our my his her their
mum mummy dad daddy nan nanny grandma grandad social school monday tuesday wednesday thursday friday saturday
sunday christmas easter god jesus lord ofsted camhs yes no ok okay hi hello thanks thank dear cheers please
sorry just also still even ever never always sometimes maybe perhaps
""".split()
)
