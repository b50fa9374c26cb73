"""Fill the new messages into the five catalogues (run once, then deleted)."""

from babel.messages.pofile import read_po, write_po

T = {
    "%(moment)s Geneva time": {
        "fr": "%(moment)s, heure de Genève",
        "es": "%(moment)s, hora de Ginebra",
        "ru": "%(moment)s по женевскому времени",
        "zh": "日内瓦时间 %(moment)s",
        "ar": "%(moment)s بتوقيت جنيف",
    },
    "Language": {"fr": "Langue", "es": "Idioma", "ru": "Язык", "zh": "语言", "ar": "اللغة"},
    "The role of public governance authorities and all stakeholders in the promotion of ICTs for development": {
        "fr": "Rôle des autorités publiques et de toutes les parties prenantes dans la promotion des TIC pour le développement",
        "es": "Papel de las autoridades públicas de gobierno y de todas las partes interesadas en la promoción de las TIC para el desarrollo",
        "ru": "Роль органов государственного управления и всех заинтересованных сторон в содействии использованию ИКТ в целях развития",
        "zh": "政府主管部门和所有利益攸关方在促进信息通信技术用于发展方面的作用",
        "ar": "دور السلطات الحكومية وجميع أصحاب المصلحة في النهوض بتكنولوجيا المعلومات والاتصالات لأغراض التنمية",
    },
    "The role of governments and all stakeholders in the promotion of ICTs for development": {
        "fr": "Rôle des gouvernements et de toutes les parties prenantes dans la promotion des TIC pour le développement",
        "es": "Papel de los gobiernos y de todas las partes interesadas en la promoción de las TIC para el desarrollo",
        "ru": "Роль правительств и всех заинтересованных сторон в содействии использованию ИКТ в целях развития",
        "zh": "政府和所有利益攸关方在促进信息通信技术用于发展方面的作用",
        "ar": "دور الحكومات وجميع أصحاب المصلحة في النهوض بتكنولوجيا المعلومات والاتصالات لأغراض التنمية",
    },
    "Information and communication infrastructure": {
        "fr": "Infrastructure de l'information et de la communication",
        "es": "Infraestructura de la información y la comunicación",
        "ru": "Информационная и коммуникационная инфраструктура",
        "zh": "信息和通信基础设施",
        "ar": "البنية التحتية للمعلومات والاتصالات",
    },
    "Access to information and knowledge": {
        "fr": "Accès à l'information et au savoir",
        "es": "Acceso a la información y al conocimiento",
        "ru": "Доступ к информации и знаниям",
        "zh": "获取信息和知识",
        "ar": "النفاذ إلى المعلومات والمعارف",
    },
    "Capacity building": {
        "fr": "Renforcement des capacités",
        "es": "Creación de capacidad",
        "ru": "Создание потенциала",
        "zh": "能力建设",
        "ar": "بناء القدرات",
    },
    "Building confidence and security in the use of ICTs": {
        "fr": "Établir la confiance et la sécurité dans l'utilisation des TIC",
        "es": "Creación de confianza y seguridad en la utilización de las TIC",
        "ru": "Укрепление доверия и безопасности при использовании ИКТ",
        "zh": "树立使用信息通信技术的信心和安全",
        "ar": "بناء الثقة والأمن في استعمال تكنولوجيا المعلومات والاتصالات",
    },
    "Enabling environment": {
        "fr": "Environnement propice",
        "es": "Entorno habilitador",
        "ru": "Благоприятная среда",
        "zh": "扶持性环境",
        "ar": "البيئة التمكينية",
    },
    "ICT applications": {
        "fr": "Applications TIC",
        "es": "Aplicaciones de las TIC",
        "ru": "Применение ИКТ",
        "zh": "信息通信技术应用",
        "ar": "تطبيقات تكنولوجيا المعلومات والاتصالات",
    },
    "ICT applications: e-government": {
        "fr": "Applications TIC : administration électronique",
        "es": "Aplicaciones de las TIC: gobierno electrónico",
        "ru": "Применение ИКТ: электронное правительство",
        "zh": "信息通信技术应用：电子政务",
        "ar": "تطبيقات تكنولوجيا المعلومات والاتصالات: الحكومة الإلكترونية",
    },
    "ICT applications: e-business": {
        "fr": "Applications TIC : commerce électronique",
        "es": "Aplicaciones de las TIC: negocios electrónicos",
        "ru": "Применение ИКТ: электронный бизнес",
        "zh": "信息通信技术应用：电子商务",
        "ar": "تطبيقات تكنولوجيا المعلومات والاتصالات: الأعمال التجارية الإلكترونية",
    },
    "ICT applications: e-learning": {
        "fr": "Applications TIC : télé-enseignement",
        "es": "Aplicaciones de las TIC: aprendizaje electrónico",
        "ru": "Применение ИКТ: электронное обучение",
        "zh": "信息通信技术应用：电子学习",
        "ar": "تطبيقات تكنولوجيا المعلومات والاتصالات: التعلم الإلكتروني",
    },
    "ICT applications: e-health": {
        "fr": "Applications TIC : cybersanté",
        "es": "Aplicaciones de las TIC: cibersalud",
        "ru": "Применение ИКТ: электронное здравоохранение",
        "zh": "信息通信技术应用：电子卫生",
        "ar": "تطبيقات تكنولوجيا المعلومات والاتصالات: الصحة الإلكترونية",
    },
    "ICT applications: e-employment": {
        "fr": "Applications TIC : télétravail",
        "es": "Aplicaciones de las TIC: ciberempleo",
        "ru": "Применение ИКТ: электронная занятость",
        "zh": "信息通信技术应用：电子就业",
        "ar": "تطبيقات تكنولوجيا المعلومات والاتصالات: التوظيف الإلكتروني",
    },
    "ICT applications: e-environment": {
        "fr": "Applications TIC : cyberécologie",
        "es": "Aplicaciones de las TIC: ciberecología",
        "ru": "Применение ИКТ: электронная экология",
        "zh": "信息通信技术应用：电子环境",
        "ar": "تطبيقات تكنولوجيا المعلومات والاتصالات: البيئة الإلكترونية",
    },
    "ICT applications: e-agriculture": {
        "fr": "Applications TIC : cyberagriculture",
        "es": "Aplicaciones de las TIC: ciberagricultura",
        "ru": "Применение ИКТ: электронное сельское хозяйство",
        "zh": "信息通信技术应用：电子农业",
        "ar": "تطبيقات تكنولوجيا المعلومات والاتصالات: الزراعة الإلكترونية",
    },
    "ICT applications: e-science": {
        "fr": "Applications TIC : cyberscience",
        "es": "Aplicaciones de las TIC: ciberciencia",
        "ru": "Применение ИКТ: электронная наука",
        "zh": "信息通信技术应用：电子科学",
        "ar": "تطبيقات تكنولوجيا المعلومات والاتصالات: العلوم الإلكترونية",
    },
    "Cultural diversity and identity, linguistic diversity and local content": {
        "fr": "Diversité et identité culturelles, diversité linguistique et contenus locaux",
        "es": "Diversidad e identidad culturales, diversidad lingüística y contenido local",
        "ru": "Культурное разнообразие и самобытность, языковое разнообразие и местный контент",
        "zh": "文化多样性和特性、语言多样性和本地内容",
        "ar": "التنوع الثقافي والهوية الثقافية والتنوع اللغوي والمحتوى المحلي",
    },
    "Media": {
        "fr": "Médias",
        "es": "Medios de comunicación",
        "ru": "Средства массовой информации",
        "zh": "媒体",
        "ar": "وسائط الإعلام",
    },
    "Ethical dimensions of the Information Society": {
        "fr": "Dimensions éthiques de la société de l'information",
        "es": "Dimensiones éticas de la sociedad de la información",
        "ru": "Этические аспекты информационного общества",
        "zh": "信息社会的伦理层面",
        "ar": "الأبعاد الأخلاقية لمجتمع المعلومات",
    },
    "International and regional cooperation": {
        "fr": "Coopération internationale et régionale",
        "es": "Cooperación internacional y regional",
        "ru": "Международное и региональное сотрудничество",
        "zh": "国际和区域合作",
        "ar": "التعاون الدولي والإقليمي",
    },
}

root = "/work/wt-h15/prizes/translations"
for lang in ["ar", "es", "fr", "ru", "zh"]:
    path = f"{root}/{lang}/LC_MESSAGES/messages.po"
    with open(path, "rb") as f:
        cat = read_po(f, locale=lang)
    for m in cat:
        if m.id and not m.string:
            m.string = T[m.id][lang]
            m.flags.discard("fuzzy")
    with open(path, "wb") as f:
        write_po(f, cat)
    print(lang, "ok")
