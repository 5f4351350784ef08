#!/usr/bin/env python3
"""Local stand-in for the Naver news search API and a Slack incoming webhook.

The news-bot plugins talk to it exactly as they would to openapi.naver.com and
hooks.slack.com, so the demo and the end-to-end tests run without a network.
A JSON admin API under /_admin/ publishes articles, injects faults and shows
what the plugins sent. See README.md next to this file.
"""
import argparse
import datetime
import email.utils
import json
import os
import random
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

KST = datetime.timezone(datetime.timedelta(hours=9))
NAVER_PATH = "/v1/search/news.json"
SLACK_PATH = re.compile(r"^/services/[^/]+/[^/]+/[^/]+/?$")
LOG_LIMIT = 10000  # entries kept per log, so a long demo does not grow without bound

# ---------------------------------------------------------------------------
# The corpus: deterministic articles about the Seoul metro, built from templates.
# ---------------------------------------------------------------------------

# (name, Naver office id or None when the outlet is not a Naver News partner, original URL)
OUTLETS = [
    ("연합뉴스", "001", "https://www.yna.co.kr/view/AKR{seq:014d}"),
    ("뉴시스", "003", "https://www.newsis.com/view/NISX{seq:014d}"),
    ("뉴스1", "421", "https://www.news1.kr/local/seoul/{seq:07d}"),
    ("동아일보", "020", "https://www.donga.com/news/Society/article/all/{seq:09d}/1"),
    ("조선일보", "023", "https://www.chosun.com/national/transport/{seq:08d}/"),
    ("중앙일보", "025", "https://www.joongang.co.kr/article/{seq:08d}"),
    ("한겨레", "028", "https://www.hani.co.kr/arti/society/society_general/{seq:07d}.html"),
    ("경향신문", "032", "https://www.khan.co.kr/article/{seq:012d}"),
    ("서울신문", "081", "https://www.seoul.co.kr/news/society/{seq:010d}"),
    ("SBS", "055", "https://news.sbs.co.kr/news/endPage.do?news_id=N{seq:010d}&plink=ORI&cooper=NAVER"),
    ("KBS", "056", "https://news.kbs.co.kr/news/pc/view/view.do?ncd={seq:07d}&ref=A"),
    ("한국일보", "469", "https://www.hankookilbo.com/News/Read/A{seq:013d}"),
    ("매일경제", "009", "https://www.mk.co.kr/news/society/{seq:08d}"),
    ("시정일보", None, "https://www.sijung.co.kr/news/articleView.html?idxno={seq:06d}"),
    ("교통신문", None, "https://www.gyotongn.com/news/articleView.html?idxno={seq:06d}"),
]
BYLINES = {"연합뉴스": "(서울=연합뉴스) {r} 기자 = ", "뉴시스": "[서울=뉴시스]{r} 기자 = ",
           "뉴스1": "(서울=뉴스1) {r} 기자 = "}
REPORTERS = ["김민지", "이서준", "박지훈", "최유진", "정하은", "강도윤", "조수빈", "윤재원", "장서연", "임현우"]

STATIONS = {
    "1호선": ["서울역", "시청", "종각", "동대문", "청량리", "신도림", "구로", "영등포"],
    "2호선": ["강남", "잠실", "신도림", "홍대입구", "사당", "왕십리", "성수", "교대", "삼성", "신림", "건대입구"],
    "3호선": ["고속터미널", "교대", "충무로", "경복궁", "옥수", "수서"],
    "4호선": ["사당", "서울역", "혜화", "노원", "이촌", "동대문역사문화공원"],
    "5호선": ["광화문", "여의도", "왕십리", "김포공항", "천호", "군자"],
    "6호선": ["합정", "이태원", "공덕", "석계", "연신내"],
    "7호선": ["고속터미널", "건대입구", "노원", "가산디지털단지", "온수", "청담"],
    "8호선": ["잠실", "천호", "가락시장", "모란"],
    "9호선": ["김포공항", "여의도", "노량진", "고속터미널", "신논현", "당산", "염창", "가양", "선정릉"],
    "신분당선": ["강남", "판교", "양재", "정자"],
}
LINE_WEIGHTS = {"2호선": 5, "9호선": 3, "1호선": 2}

# (weight, title, description). Straight quotes, '&', '<', '>' and '·' are deliberate:
# they come back as HTML entities, which the bot has to decode.
TEMPLATES = [
    (3, "서울 지하철 {line} {station}역 신호장애…열차 운행 {n}분 지연",
     "이날 오전 {am}시 {mi}분께 서울 지하철 {line} {station}역에서 신호장애가 발생해 열차 운행이 {n}분가량 "
     "지연됐다. 이 여파로 {line} 운행 지연이 한동안 이어졌고, 서울교통공사는 \"복구를 마치고 정상 운행 중\"이라며"),
    (3, "{line} 운행 지연에 출근길 '지하철 대란'…\"{station}역 발 디딜 틈 없어\"",
     "{line} 열차 운행 지연으로 출근길 시민들이 큰 불편을 겪었다. 서울교통공사에 따르면 {station}역 인근 "
     "선로에서 전동차 고장이 발생해 후속 열차가 줄줄이 멈춰 섰고, 지하철 승강장에는"),
    (3, "서울교통공사 노조 \"다음 달 {d}일 총파업\"…지하철 파업 현실화하나",
     "서울 지하철 1~8호선을 운영하는 서울교통공사 노동조합이 다음 달 {d}일 총파업에 돌입하겠다고 예고했다. "
     "노·사는 인력 감축안과 임금 인상률을 두고 막판 교섭을 이어가고 있지만 입장 차가 커 지하철 파업이"),
    (2, "지하철 파업 D-{n}…서울시, 비상수송대책 가동",
     "서울시는 지하철 파업에 대비해 비상수송대책본부를 꾸리고 출·퇴근 시간대 시내버스 {bus}대를 증편한다고 "
     "밝혔다. 파업 기간에도 서울 지하철 운행률은 평시 대비 {pct}% 이상으로 유지하고, 대체 인력"),
    (2, "'지옥철' 9호선 혼잡도 {pct2}%…\"급행 증차 시급\"",
     "출근 시간대 9호선 혼잡이 좀처럼 나아지지 않고 있다. {st9a}역~{st9b}역 구간 급행열차 혼잡도는 "
     "{pct2}%로 서울 지하철 노선 가운데 가장 높았다. 시민들은 \"숨쉬기도 어렵다\"며"),
    (2, "9호선 혼잡 완화 나선다…{month}월부터 급행열차 하루 {n}회 증편",
     "서울시가 9호선 혼잡 완화를 위해 {month}월부터 출근 시간대 급행열차를 하루 {n}회 늘린다. 신규 전동차 "
     "{cars}칸이 투입되면 지하철 9호선 혼잡도는 {pct2}%에서 {pct3}%대로"),
    (2, "<속보> 지하철 {line} {station}역 선로에 연기…열차 무정차 통과",
     "이날 오후 {pm}시께 지하철 {line} {station}역 선로에서 연기가 발생해 열차가 이 역을 무정차 통과하고 있다. "
     "소방 당국은 \"인명 피해는 확인되지 않았다\"며 정확한 원인을"),
    (2, "[Q&A] 서울 지하철 기본요금 {fare}원으로…{month}월부터 얼마나 오르나",
     "서울 지하철 기본요금(교통카드 기준)이 {month}월부터 {oldfare}원에서 {fare}원으로 오른다. 서울시는 "
     "\"누적 적자와 노후 전동차 교체 비용을 고려한 불가피한 결정\"이라며 시민들의"),
    (1, "기후동행카드 누적 {n}0만 장 돌파…서울 지하철·버스 '무제한'",
     "서울 지하철·버스를 한 장으로 무제한 이용하는 기후동행카드 누적 판매량이 {n}0만 장을 넘어섰다. "
     "이용자의 {pct}%는 '교통비가 줄었다'고 답했으며, 서울시는 적용 구간을"),
    (1, "<기자수첩> {n}번째 지하철 파업, 시민을 볼모로 삼지 말라",
     "해마다 되풀이되는 지하철 파업에 시민들의 피로감이 커지고 있다. 서울교통공사 노·사는 '시민의 발'이라는 "
     "책임을 무겁게 받아들여야 한다. 출퇴근길 서울 지하철이 멈추면"),
    (2, "서울교통공사, AI·R&D에 {money}억 투자…'스마트 지하철역' {cnt}곳 구축",
     "서울교통공사가 AI·빅데이터 기반 혼잡도 예측 R&D에 {money}억 원을 투입해 '스마트 지하철역' {cnt}곳을 "
     "만든다. 역사 CCTV 영상으로 승강장 혼잡을 실시간 분석해 <안전 알림>을"),
    (1, "지하철 무임승차 손실 연 {money}억 원…서울교통공사 적자 '눈덩이'",
     "서울 지하철 무임승차로 인한 손실이 한 해 {money}억 원에 이르는 것으로 나타났다. 65세 이상 무임승차 "
     "인원은 전체 승객의 {pct_low}%로, 서울교통공사는 정부 지원을"),
    (2, "지하철 {line} {station}역 에스컬레이터 역주행…승객 {k}명 경상",
     "이날 오후 {pm}시 {mi}분께 지하철 {line} {station}역 에스컬레이터가 갑자기 역주행해 승객 {k}명이 "
     "다쳤다. 서울교통공사는 \"정밀 점검을 마칠 때까지 운행을 중단한다\"며"),
    (1, "서울 지하철 {line} 막차 새벽 1시까지 연장…연말 귀갓길 숨통",
     "서울시는 연말 심야 귀갓길 불편을 덜기 위해 {month}월 한 달간 서울 지하철 {line} 막차를 새벽 1시까지 "
     "연장 운행한다고 밝혔다. 연장 운행 구간은 {station}역을"),
    (2, "2호선 {station2}역 전동차 고장…\"지하철 안에 {n}분 넘게 갇혀\"",
     "이날 오전 2호선 {station2}역에서 전동차 출입문 고장으로 열차가 멈춰 서면서 2호선 운행 지연이 "
     "빚어졌다. 승객들은 \"지하철 안에 {n}분 넘게 갇혀 있었다\"며"),
    (2, "GTX-A 개통 {n}개월…서울 지하철 환승객 {pct_low}% 늘었다",
     "수도권광역급행철도(GTX-A) 개통 {n}개월 만에 연계 서울 지하철역 환승객이 {pct_low}% 증가했다. "
     "수서역과 삼성역 일대 지하철 혼잡도도 함께 높아져"),
]
SYNDICATE_EVERY = 6  # every sixth article re-runs the previous one's story under another outlet


class Article:
    def __init__(self, index, title, body, outlet, byline, gap, copy_of):
        self.index = index
        self.title = title
        self.description = byline + body
        self.body = body
        self.outlet = outlet
        name, office, original = OUTLETS[outlet]
        self.originallink = original.format(seq=3_100_000 + index * 17 + outlet)
        # Outlets outside Naver News have no n.news.naver.com page: the API then
        # returns the original URL as the link too.
        self.link = (f"https://n.news.naver.com/mnews/article/{office}/{3_500_000 + index:010d}?sid=102"
                     if office else self.originallink)
        self.gap = gap  # minutes after the previous article, in fixed-clock mode
        self.copy_of = copy_of
        self.pub = None  # aware datetime, set when published

    def public(self):
        return {"index": self.index, "title": self.title, "description": self.description,
                "outlet": OUTLETS[self.outlet][0], "link": self.link, "originallink": self.originallink,
                "pubDate": rfc822(self.pub), "copy_of": self.copy_of}


def _variables(rng):
    lines = list(STATIONS)
    line = rng.choices(lines, [LINE_WEIGHTS.get(x, 1) for x in lines])[0]
    st9a, st9b = rng.sample(STATIONS["9호선"], 2)
    fare = rng.choice([1500, 1550, 1600, 1650])
    return {"line": line, "station": rng.choice(STATIONS[line]), "station2": rng.choice(STATIONS["2호선"]),
            "st9a": st9a, "st9b": st9b, "n": rng.randint(2, 30), "am": rng.randint(5, 11), "pm": rng.randint(1, 11),
            "mi": rng.randint(1, 59), "d": rng.randint(1, 28), "pct": rng.randint(60, 95),
            "pct2": rng.randint(150, 199), "pct3": rng.randint(120, 140), "pct_low": rng.randint(11, 35),
            "month": rng.randint(1, 12), "bus": rng.randrange(100, 600, 10), "cars": rng.randrange(6, 36, 6),
            "fare": fare, "oldfare": fare - 150, "money": rng.randrange(120, 4000, 10),
            "cnt": rng.randint(3, 40), "k": rng.randint(1, 9)}


def make_article(seed, index, previous):
    """Article `index` depends only on the seed and its predecessor, so any prefix is reproducible."""
    rng = random.Random(f"{seed}:{index}")
    reporter = rng.choice(REPORTERS)
    if previous is not None and index % SYNDICATE_EVERY == SYNDICATE_EVERY - 1:
        outlet = rng.choice([i for i in range(len(OUTLETS)) if i != previous.outlet])
        byline = BYLINES.get(OUTLETS[outlet][0], "").format(r=reporter)
        return Article(index, previous.title, previous.body, outlet, byline, rng.randint(1, 3), previous.index)
    _, title, body = rng.choices(TEMPLATES, [t[0] for t in TEMPLATES])[0]
    values = _variables(rng)
    outlet = rng.randrange(len(OUTLETS))
    byline = BYLINES.get(OUTLETS[outlet][0], "").format(r=reporter)
    return Article(index, title.format(**values), body.format(**values) + "... ", outlet, byline,
                   rng.randint(4, 25), None)


# ---------------------------------------------------------------------------
# Search: matching, highlighting, HTML escaping, dates.
# ---------------------------------------------------------------------------

def rfc822(when):
    return email.utils.format_datetime(when)


def escape(text, apostrophe, numeric_middot):
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = out.replace('"', "&quot;").replace("'", apostrophe)
    return out.replace("·", "&#183;") if numeric_middot else out


def highlight(text, terms, apostrophe, numeric_middot):
    """Escapes `text` as Naver does and wraps every occurrence of a query term in <b>."""
    spans = sorted((m.start(), m.end()) for t in terms
                   for m in re.finditer(re.escape(t), text, re.IGNORECASE))
    merged = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, pos = [], 0
    for start, end in merged:
        out.append(escape(text[pos:start], apostrophe, numeric_middot))
        out.append("<b>" + escape(text[start:end], apostrophe, numeric_middot) + "</b>")
        pos = end
    out.append(escape(text[pos:], apostrophe, numeric_middot))
    return "".join(out)


def query_terms(query):
    return query.replace('"', " ").split()


def phrase_pattern(terms):
    # Words of a keyword may be written with or without the space between them.
    return re.compile(r"\s*".join(re.escape(t) for t in terms), re.IGNORECASE)


def search(articles, query, display, start, sort):
    terms = query_terms(query)
    pattern = phrase_pattern(terms)
    hits = [a for a in articles if pattern.search(a.title) or pattern.search(a.description)]
    if sort == "date":
        hits.sort(key=lambda a: (a.pub, a.index), reverse=True)
    else:
        def score(a):
            found = sum(len(re.findall(re.escape(t), a.title, re.IGNORECASE)) * 3 +
                        len(re.findall(re.escape(t), a.description, re.IGNORECASE)) for t in terms)
            return (found, a.pub, a.index)
        hits.sort(key=score, reverse=True)
    page = hits[start - 1:start - 1 + display]
    items = [{"title": highlight(a.title, terms, "&#39;", False), "originallink": a.originallink,
              "link": a.link, "description": highlight(a.description, terms, "&apos;", True),
              "pubDate": rfc822(a.pub)} for a in page]
    return len(hits), items


def naver_json(value):
    # The real API indents with tabs and escapes every '/' (also inside "</b>").
    return json.dumps(value, ensure_ascii=False, indent="\t", separators=(",", ":")).replace("/", "\\/")


def naver_error(code, message):
    return {"errorMessage": message, "errorCode": code}


AUTH_FAILED = "Authentication failed. (인증에 실패했습니다.)"
NAVER_ERRORS = {
    400: naver_error("SE01", "Incorrect query request (잘못된 쿼리요청입니다.)"),
    401: naver_error("024", "Not Exist Client ID : " + AUTH_FAILED),
    404: naver_error("SE05", "Invalid search api (존재하지 않는 검색 api 입니다.)"),
    429: naver_error("012", "Rate limit exceeded. (속도 제한을 초과했습니다.)"),
    500: naver_error("SE99", "System Error (시스템 에러)"),
}
SLACK_ERRORS = {400: "invalid_payload", 401: "invalid_auth", 403: "invalid_token", 404: "no_service",
                410: "channel_is_archived", 429: "rate_limited", 500: "rollup_error"}
SE02 = naver_error("SE02", "Invalid display value (부적절한 display 값입니다.)")
SE03 = naver_error("SE03", "Invalid start value (부적절한 start 값입니다.)")
SE04 = naver_error("SE04", "Invalid sort value (부적절한 sort 값입니다.)")
SE06 = naver_error("SE06", "Malformed encoding (잘못된 형식의 인코딩입니다.)")


# ---------------------------------------------------------------------------
# Shared state: the published clock, faults, and what was received.
# ---------------------------------------------------------------------------

FAULT_KEYS = {"status", "retry_after", "delay", "malformed", "close", "times"}


def check_fault(fault):
    """Returns an error message for an invalid fault description, or None."""
    if not isinstance(fault, dict) or not fault:
        return "a fault must be a non-empty JSON object"
    unknown = set(fault) - FAULT_KEYS
    if unknown:
        return f"unknown fault key '{sorted(unknown)[0]}'"
    status = fault.get("status")
    if status is not None and (not isinstance(status, int) or not 400 <= status <= 599):
        return "fault 'status' must be an integer from 400 to 599"
    for key in ("delay", "retry_after"):
        value = fault.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            return f"fault '{key}' must be a non-negative number"
    times = fault.get("times", 1)
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        return "fault 'times' must be a positive integer"
    if sum(1 for k in ("status", "malformed", "close") if fault.get(k)) > 1:
        return "a fault has at most one of 'status', 'malformed' and 'close'"
    return None


class State:
    def __init__(self, seed, initial, start_time, client_id, client_secret):
        self.lock = threading.Lock()
        self.seed = seed
        self.initial = initial
        self.start_time = start_time  # None: follow the wall clock
        self.started = time.monotonic()
        self.client_id = client_id
        self.client_secret = client_secret
        self.corpus = []
        self.reset(corpus=True)

    def now(self):
        if self.start_time is None:
            return datetime.datetime.now(KST)
        return self.start_time + datetime.timedelta(seconds=time.monotonic() - self.started)

    def _article(self, index):
        while len(self.corpus) <= index:
            previous = self.corpus[-1] if self.corpus else None
            self.corpus.append(make_article(self.seed, len(self.corpus), previous))
        return self.corpus[index]

    def reset(self, corpus=False):
        """Clears logs and faults; with corpus=True also rewinds the published clock."""
        with self.lock:
            self.messages, self.requests = [], []
            self.queues = {"naver": [], "slack": []}
            self.always = {"naver": None, "slack": None}
            if not corpus:
                return
            self.published = [self._article(i) for i in range(self.initial)]
            newest = self.now().replace(second=0, microsecond=0)
            for article in reversed(self.published):
                article.pub = newest
                newest -= datetime.timedelta(minutes=article.gap)
            self.anchor = self.now().replace(second=0, microsecond=0)

    def publish(self, count):
        with self.lock:
            fresh = []
            for _ in range(count):
                article = self._article(len(self.published))
                previous = self.published[-1].pub if self.published else self.anchor
                if self.start_time is not None:
                    article.pub = previous + datetime.timedelta(minutes=article.gap)
                else:
                    article.pub = max(previous, datetime.datetime.now(KST).replace(second=0, microsecond=0))
                self.published.append(article)
                fresh.append(article.public())
            return fresh

    def add_faults(self, service, faults):
        with self.lock:
            self.queues[service].extend(dict(f, times=f.get("times", 1)) for f in faults)

    def take_fault(self, service):
        """The next fault for a request to `service`: queued one-shots first, then the persistent one."""
        with self.lock:
            queue = self.queues[service]
            if queue:
                fault = queue[0]
                fault["times"] -= 1
                if fault["times"] == 0:
                    queue.pop(0)
                return {k: v for k, v in fault.items() if k != "times"}
            return self.always[service]

    def record(self, kind, entry):
        with self.lock:
            log = self.messages if kind == "message" else self.requests
            log.append(entry)
            del log[:-LOG_LIMIT]

    def faults(self):
        with self.lock:
            return {"naver": [dict(f) for f in self.queues["naver"]],
                    "slack": [dict(f) for f in self.queues["slack"]],
                    "naver_always": self.always["naver"], "slack_always": self.always["slack"]}


# ---------------------------------------------------------------------------
# HTTP: one handler for the Naver side, the Slack side and the admin API.
# ---------------------------------------------------------------------------

MASKED_HEADERS = {"x-naver-client-secret", "authorization"}


class Reply:
    def __init__(self, status, body, content_type="application/json; charset=utf-8", headers=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.content_type = content_type
        self.headers = headers or {}


def json_reply(status, value):
    return Reply(status, json.dumps(value, ensure_ascii=False, indent=2))


def naver_reply(status, value, headers=None):
    # Search results come pretty-printed, error bodies on one line, as from the real API.
    text = naver_json(value) if status == 200 else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Reply(status, text, headers=headers)


def slack_reply(status, text, headers=None):
    return Reply(status, text, "text/plain; charset=utf-8", headers)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and 100-continue, as libcurl expects
    server_version = "nginx"
    state = None  # set by serve()

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass  # one line per request is written by dispatch()

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def dispatch(self):
        url = urlsplit(self.path)
        body = self.read_body()
        if url.path.startswith("/_admin/"):
            reply = self.admin(url.path, body)
            self.send(reply)
            self.log_line("admin", url.path, reply.status, None)
            return
        service = ("naver" if url.path.startswith("/v1/search/")
                   else "slack" if url.path.startswith("/services/") else "other")
        fault = self.state.take_fault(service) if service != "other" else None
        entry = {"time": self.state.now().isoformat(timespec="milliseconds"), "service": service,
                 "method": self.command, "path": url.path, "query": self.query_dict(url.query),
                 "headers": {k: ("***" if k.lower() in MASKED_HEADERS else v) for k, v in self.headers.items()},
                 "status": None, "fault": fault}
        recorded = False
        try:
            if fault and fault.get("delay"):
                time.sleep(fault["delay"])
            if fault and fault.get("close"):
                self.close_connection = True  # no answer at all: the client sees the connection drop
                return
            if fault and fault.get("status"):
                reply = self.fault_reply(service, fault)
            elif service == "naver":
                reply = self.naver(url)
            elif service == "slack":
                reply = self.slack(url.path, body)
            else:
                reply = Reply(404, "404 Not Found", "text/plain; charset=utf-8")
            if fault and fault.get("malformed"):
                text = reply.body.decode("utf-8")
                reply = Reply(200, text[:len(text) // 2], reply.content_type)
            entry["status"] = reply.status
            # Recorded before answering: a client that reads the log right after
            # its answer must find its own request there.
            self.state.record("request", entry)
            recorded = True
            self.send(reply)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            if not recorded:
                self.state.record("request", entry)
            self.log_line(service, url.path, entry["status"], fault)

    @staticmethod
    def query_dict(query):
        try:
            return {k: v[0] for k, v in parse_qs(query, keep_blank_values=True, errors="strict").items()}
        except UnicodeDecodeError:
            return {"_raw": query}

    def send(self, reply):
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def log_line(self, service, path, status, fault):
        extra = f" fault={json.dumps(fault, separators=(',', ':'))}" if fault else ""
        stamp = datetime.datetime.now(KST).strftime("%H:%M:%S.%f")[:-3]
        sys.stderr.write(f"{stamp} {service} {self.command} {path} -> {status or 'closed'}{extra}\n")
        sys.stderr.flush()

    def fault_reply(self, service, fault):
        status = fault["status"]
        headers = {}
        if fault.get("retry_after") is not None:
            headers["Retry-After"] = str(fault["retry_after"])
        if service == "slack":
            if status == 429:
                headers.setdefault("Retry-After", "1")  # Slack always says when to come back
            return slack_reply(status, SLACK_ERRORS.get(status, "internal_error"), headers)
        default = NAVER_ERRORS[500] if status >= 500 else naver_error(str(status), "Request failed")
        return naver_reply(status, NAVER_ERRORS.get(status, default), headers)

    # --- Naver -----------------------------------------------------------

    def naver(self, url):
        if url.path != NAVER_PATH:
            return naver_reply(404, NAVER_ERRORS[404])
        if self.command != "GET":
            return naver_reply(405, naver_error("405", "Method Not Allowed"))
        client_id = self.headers.get("X-Naver-Client-Id")
        secret = self.headers.get("X-Naver-Client-Secret")
        state = self.state
        if not client_id:
            return naver_reply(401, NAVER_ERRORS[401])
        if state.client_id is not None and client_id != state.client_id:
            return naver_reply(401, naver_error("024", "NID AUTH Result Invalid (1000) : " + AUTH_FAILED))
        if not secret or (state.client_secret is not None and secret != state.client_secret):
            return naver_reply(401, naver_error("024", "NID AUTH Result Invalid (28) : " + AUTH_FAILED))
        try:
            params = parse_qs(url.query, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            return naver_reply(400, SE06)
        query = params.get("query", [""])[0]
        if not query_terms(query):
            return naver_reply(400, NAVER_ERRORS[400])
        display = self.int_param(params, "display", 10, 100)
        if display is None:
            return naver_reply(400, SE02)
        start = self.int_param(params, "start", 1, 1000)
        if start is None:
            return naver_reply(400, SE03)
        sort = params.get("sort", ["sim"])[0]
        if sort not in ("sim", "date"):
            return naver_reply(400, SE04)
        with state.lock:
            published = list(state.published)
        total, items = search(published, query, display, start, sort)
        return naver_reply(200, {"lastBuildDate": rfc822(state.now().replace(microsecond=0)), "total": total,
                                 "start": start, "display": len(items), "items": items})

    @staticmethod
    def int_param(params, name, default, highest):
        raw = params.get(name, [str(default)])[0]
        if not re.fullmatch(r"[0-9]{1,9}", raw):
            return None
        value = int(raw)
        return value if 1 <= value <= highest else None

    # --- Slack -----------------------------------------------------------

    def slack(self, path, body):
        if not SLACK_PATH.match(path):
            return slack_reply(404, "no_service")
        if self.command != "POST":
            return slack_reply(405, "invalid_method")
        try:
            text = body.decode("utf-8")
            if text.startswith("payload="):  # Slack also takes the JSON as a form field
                text = parse_qs(text, errors="strict").get("payload", [""])[0]
            payload = json.loads(text)
        except (UnicodeDecodeError, ValueError):
            return slack_reply(400, "invalid_payload")
        if not isinstance(payload, dict):
            return slack_reply(400, "invalid_payload")
        has_text = isinstance(payload.get("text"), str) and payload["text"].strip()
        has_blocks = any(isinstance(payload.get(k), list) and payload[k] for k in ("blocks", "attachments"))
        if not (has_text or has_blocks):
            return slack_reply(400, "no_text")
        self.state.record("message", {"received_at": self.state.now().isoformat(timespec="milliseconds"),
                                      "path": path, "text": payload.get("text"), "payload": payload})
        return slack_reply(200, "ok")

    # --- Admin -----------------------------------------------------------

    def admin(self, path, body):
        state = self.state
        try:
            args = json.loads(body) if body.strip() else {}
        except ValueError as error:
            return json_reply(400, {"error": f"request body is not JSON: {error}"})
        if not isinstance(args, dict):
            return json_reply(400, {"error": "request body must be a JSON object"})
        route = (self.command, path.rstrip("/"))
        if route == ("GET", "/_admin/status"):
            with state.lock:
                return json_reply(200, {"published": len(state.published), "messages": len(state.messages),
                                        "requests": len(state.requests), "seed": state.seed,
                                        "now": rfc822(state.now().replace(microsecond=0))})
        if route == ("GET", "/_admin/articles"):
            with state.lock:
                return json_reply(200, {"articles": [a.public() for a in state.published]})
        if route == ("POST", "/_admin/publish"):
            count = args.get("count", 1)
            if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 10000:
                return json_reply(400, {"error": "'count' must be an integer from 0 to 10000"})
            fresh = state.publish(count)
            with state.lock:
                return json_reply(200, {"published": len(state.published), "articles": fresh})
        if route == ("GET", "/_admin/slack"):
            with state.lock:
                return json_reply(200, {"messages": list(state.messages)})
        if route == ("GET", "/_admin/requests"):
            with state.lock:
                return json_reply(200, {"requests": list(state.requests)})
        if route == ("GET", "/_admin/faults"):
            return json_reply(200, state.faults())
        if route == ("POST", "/_admin/faults"):
            return self.admin_faults(args)
        if route == ("POST", "/_admin/reset"):
            state.reset(corpus=bool(args.get("corpus")))
            return json_reply(200, {"ok": True})
        return json_reply(404, {"error": f"no admin endpoint {self.command} {path}"})

    def admin_faults(self, args):
        unknown = set(args) - {"naver", "slack", "naver_always", "slack_always"}
        if unknown:
            return json_reply(400, {"error": f"unknown key '{sorted(unknown)[0]}'"})
        for service in ("naver", "slack"):
            faults = args.get(service, [])
            if not isinstance(faults, list):
                return json_reply(400, {"error": f"'{service}' must be a list of faults"})
            for fault in faults:
                problem = check_fault(fault)
                if problem:
                    return json_reply(400, {"error": f"{service}: {problem}"})
            always = args.get(service + "_always")
            if always is not None:
                problem = check_fault(always)
                if problem:
                    return json_reply(400, {"error": f"{service}_always: {problem}"})
        for service in ("naver", "slack"):
            self.state.add_faults(service, args.get(service, []))
            if service + "_always" in args:
                always = args[service + "_always"]
                with self.state.lock:
                    self.state.always[service] = ({k: v for k, v in always.items() if k != "times"}
                                                  if always else None)
        return json_reply(200, self.state.faults())


# ---------------------------------------------------------------------------
# Process: arguments, port file, timer, signals.
# ---------------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one")
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--client-id", help="accepted X-Naver-Client-Id (default: any non-empty value)")
    parser.add_argument("--client-secret", help="accepted X-Naver-Client-Secret (default: any non-empty value)")
    parser.add_argument("--initial", type=int, default=30, help="articles published at start (default 30)")
    parser.add_argument("--publish-every", type=float, metavar="SECONDS",
                        help="publish one more article every SECONDS")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--start-time", metavar="ISO8601",
                        help="fixed clock start, e.g. 2026-11-29T11:00:00+09:00; default: the wall clock")
    args = parser.parse_args(argv)
    if args.initial < 0:
        parser.error("--initial must not be negative")
    if args.publish_every is not None and args.publish_every <= 0:
        parser.error("--publish-every must be positive")
    if args.start_time:
        try:
            args.start_time = datetime.datetime.fromisoformat(args.start_time)
        except ValueError:
            parser.error(f"--start-time '{args.start_time}' is not an ISO 8601 time")
        if args.start_time.tzinfo is None:
            args.start_time = args.start_time.replace(tzinfo=KST)
        args.start_time = args.start_time.astimezone(KST)
    return args


def write_port_file(path, port):
    temporary = f"{path}.tmp.{os.getpid()}"
    with open(temporary, "w") as f:
        f.write(f"{port}\n")
    os.replace(temporary, path)  # readers never see a half-written file


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    state = State(args.seed, args.initial, args.start_time, args.client_id, args.client_secret)
    Handler.state = state
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True  # a delayed answer must not hold up shutdown
    port = server.server_address[1]

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    if args.publish_every:
        def publisher():
            while not stop.wait(args.publish_every):
                for article in state.publish(1):
                    sys.stderr.write(f"published #{article['index']} {article['title']}\n")
        threading.Thread(target=publisher, name="publisher", daemon=True).start()
    if args.port_file:
        write_port_file(args.port_file, port)
    sys.stderr.write(f"news-standin listening on http://{args.host}:{port} "
                     f"(naver {NAVER_PATH}, slack /services/..., admin /_admin/)\n")
    sys.stderr.flush()
    stop.wait()
    server.shutdown()
    server.server_close()
    if args.port_file:
        try:
            os.remove(args.port_file)
        except FileNotFoundError:
            pass
    sys.stderr.write("news-standin stopped\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
